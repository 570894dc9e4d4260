using BenchmarkDotNet.Running;

// Run one suite: dotnet run -c Release --project bench/AnomalyEngine.Bench -- --filter '*Interop*'
// Interleaved interop comparison (robust on a shared machine): ... -- interop-alternate
// Stage throughput on a real bundle (see StageBench): ... -- learn-steps ... | generate-rate ...
if (args is ["learn-steps", .. var learnArgs]) { AnomalyEngine.Bench.StageBench.LearnSteps(learnArgs); return; }
if (args is ["generate-rate", .. var generateArgs]) { AnomalyEngine.Bench.StageBench.GenerateRate(generateArgs); return; }
if (args is ["interop-alternate"]) { AnomalyEngine.Bench.InteropAlternation.Run(); return; }
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
