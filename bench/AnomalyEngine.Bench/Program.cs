using BenchmarkDotNet.Running;

// Run one suite: dotnet run -c Release --project bench/AnomalyEngine.Bench -- --filter '*Interop*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
