# Sourced by the bench scripts (after ROOT and die are set): the program they run and its build.
#   RAWSCAN=PROGRAM   the program (default the published native one)
#   NO_BUILD=1        skip `dotnet build` and `dotnet publish`
RAWSCAN=${RAWSCAN:-$ROOT/src/RawScan.Cli/bin/Release/net10.0/linux-x64/publish/rawscan}
BENCH_BUILD="dotnet build RawScan.sln -c Release && dotnet publish src/RawScan.Cli -c Release -r linux-x64"

bench_build() {
  if [ "${NO_BUILD:-}" != 1 ]; then
    echo "[$(date +%T)] $BENCH_BUILD" >&2
    (cd "$ROOT" && dotnet build RawScan.sln -c Release -v q -nologo >/dev/null \
      && dotnet publish src/RawScan.Cli -c Release -r linux-x64 -v q -nologo >/dev/null) || die "build failed"
  fi
  [ -x "$RAWSCAN" ] || die "no $RAWSCAN: build and publish it: $BENCH_BUILD"
}
