# Install Passerelle from a wheelhouse on a Windows machine without network access.
#
#   powershell -ExecutionPolicy Bypass -File install_offline.ps1 [-Wheelhouse DIR] [-Venv DIR]
#
# Wheelhouse defaults to the folder holding this script; Venv to
# %LOCALAPPDATA%\passerelle\venv.  Needs Python 3.11 (the `py` launcher, or -Python).
# pip never uses an index (--no-index) and checks every wheel against its SHA-256
# (--require-hashes).
param(
    [string]$Wheelhouse = $PSScriptRoot,
    [string]$Venv = (Join-Path $env:LOCALAPPDATA "passerelle\venv"),
    [string]$Python = "py -3.11"
)
$ErrorActionPreference = "Stop"

$lock = Join-Path $Wheelhouse "requirements.lock"
if (-not (Test-Path $lock)) {
    Write-Error "No requirements.lock in ${Wheelhouse}: is this a Passerelle wheelhouse?"
}
$exe, $pyArgs = $Python -split " ", 2
& $exe @($pyArgs | Where-Object { $_ }) -m venv $Venv
if ($LASTEXITCODE -ne 0) { Write-Error "Could not create the virtual environment $Venv" }

$env:PIP_NO_INDEX = "1"
$env:PIP_DISABLE_PIP_VERSION_CHECK = "1"
$venvPython = Join-Path $Venv "Scripts\python.exe"
& $venvPython -m pip install --no-index --find-links $Wheelhouse --require-hashes `
    --only-binary=:all: -r $lock
if ($LASTEXITCODE -ne 0) { Write-Error "pip install failed" }

& (Join-Path $Venv "Scripts\passerelle.exe") --version
Write-Host "Installed. Start the GUI with: $(Join-Path $Venv 'Scripts\passerelle.exe')"
