# Build native + managed with one command from PowerShell 7 (mirror of build.sh; tested with pwsh on
# Linux, where it builds and tests what build.sh does except the model tools' pytest suite).
#   ./build.ps1            build everything (Release)
#   ./build.ps1 test       build, then run the native (ctest) and managed (xunit) tests
#   ./build.ps1 demo       build, then run the end-to-end demo on the embedded default bundle
#   ./build.ps1 pack       build the AnomalyEngine NuGet package into artifacts/packages
# Needs the .NET 10 SDK, CMake and a C++17 compiler (and GoogleTest for the native tests). Windows
# (Visual Studio's C++ tools) is not supported yet: the managed project packs only the Linux libraries.
param([string]$Command = "build", [Parameter(ValueFromRemainingArguments = $true)][string[]]$Rest = @())
$ErrorActionPreference = "Stop"
Set-Location $PSScriptRoot
$Root = $PSScriptRoot
$Config = if ($env:CONFIG) { $env:CONFIG } else { "Release" }
$OrtVersion = "1.31.1"
$Rid = if ($IsWindows) { "win-x64" } elseif ($IsMacOS) { "osx-x64" } else { "linux-x64" }

function Log($text) { Write-Host "== $text" -ForegroundColor White }
function Check($what) { if ($LASTEXITCODE -ne 0) { throw "$what failed ($LASTEXITCODE)" } }

function Ensure-Tools {
  foreach ($tool in "dotnet", "cmake") {
    if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) { throw "$tool is required on PATH" }
  }
}

function Restore { Log "dotnet restore"; dotnet restore AnomalyEngine.sln --verbosity quiet; Check "restore" }

function Ort-Root {
  $gp = (dotnet nuget locals global-packages -l) -replace '^global-packages: ', ''
  Join-Path $gp.TrimEnd('\', '/') "microsoft.ml.onnxruntime/$OrtVersion"
}

function Build-Native {
  if (-not (Test-Path native/CMakeLists.txt)) { return }
  Log "native (cmake)"
  cmake -S native -B native/build -DCMAKE_BUILD_TYPE=Release -DORT_ROOT="$(Ort-Root)" -DAE_NATIVE_OUT="$Root/artifacts/native/$Rid" | Out-Null; Check "cmake configure"
  cmake --build native/build --config Release --parallel ([Environment]::ProcessorCount); Check "cmake build"
}

function Build-Managed {
  Log "dotnet build ($Config)"
  dotnet build AnomalyEngine.sln -c $Config --no-restore --nologo -v q -clp:ErrorsOnly; Check "dotnet build"
}

function Run-Tests {
  $failed = $false
  if (Test-Path native/build/CTestTestfile.cmake) {
    Log "native tests (ctest)"
    ctest --test-dir native/build -C Release --output-on-failure | Tee-Object artifacts/ctest.log
    if ($LASTEXITCODE -ne 0) { $failed = $true }
  }
  Log "managed tests (xunit)"
  dotnet test AnomalyEngine.sln -c $Config --no-build --nologo 2>&1 | Tee-Object artifacts/dotnet-test.log
  if ($LASTEXITCODE -ne 0) { $failed = $true }
  if ($failed) { exit 1 }
}

New-Item -ItemType Directory -Force artifacts | Out-Null
switch ($Command) {
  "build" { Ensure-Tools; Restore; Build-Native; Build-Managed }
  "test"  { Ensure-Tools; Restore; Build-Native; Build-Managed; Run-Tests }
  "demo"  { Ensure-Tools; Restore; Build-Native; Build-Managed
            dotnet "src/AnomalyEngine.Cli/bin/$Config/net10.0/anomaly-engine.dll" demo @Rest; exit $LASTEXITCODE }
  "pack"  { Ensure-Tools; Restore; Build-Native; Build-Managed
            dotnet pack src/AnomalyEngine/AnomalyEngine.csproj -c $Config --no-build -o artifacts/packages; Check "dotnet pack" }
  default { Write-Error "usage: ./build.ps1 [build|test|demo|pack]"; exit 2 }
}
