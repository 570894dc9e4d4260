using BenchmarkDotNet.Running;

// Run one suite: dotnet run -c Release --project bench/AnomalyEngine.Bench -- --filter '*Interop*'
// Interleaved interop comparison (robust on a shared machine): ... -- interop-alternate
if (args is ["interop-alternate"]) { AnomalyEngine.Bench.InteropAlternation.Run(); return; }
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
