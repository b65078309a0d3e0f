using BenchmarkDotNet.Running;

// Micro-benchmarks of the hot path. Run all:  dotnet run -c Release --project bench/RawScan.Bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
