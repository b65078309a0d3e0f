using BenchmarkDotNet.Running;

// The transmit ceiling of each sink, in a lab namespace only (bench/tx-ceiling.sh):
//   ip netns exec rawscan-<lab>-scan dotnet RawScan.Bench.dll txceiling --iface scan0 --sink native
if (args.Length > 0 && args[0] == "txceiling") return RawScan.Bench.TxCeiling.Run(args[1..]);

// Micro-benchmarks of the hot path. Run all:  dotnet run -c Release --project bench/RawScan.Bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
