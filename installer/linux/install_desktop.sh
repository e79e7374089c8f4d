#!/usr/bin/env bash
# Desktop integration of the Passerelle bundle on Linux: menu entry, icon, and "Open with"
# for PDF and DOCX.  Per user by default (~/.local/share), or for everyone with --system.
#
#   ./linux/install_desktop.sh                 # from inside the bundle folder
#   installer/linux/install_desktop.sh --bundle /opt/passerelle
#   ./linux/install_desktop.sh --default       # also make Passerelle the default for PDF/DOCX
#   ./linux/install_desktop.sh --uninstall
#
# Needs nothing beyond coreutils and sed; update-desktop-database, gtk-update-icon-cache
# and xdg-mime are used when they are installed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
icons="$(cd "$here/../icons" && pwd)"
bundle=""
system=0
make_default=0
uninstall=0
mime_types=(application/pdf application/vnd.openxmlformats-officedocument.wordprocessingml.document)

usage() { sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case "$1" in
        --bundle) bundle="$2"; shift 2 ;;
        --system) system=1; shift ;;
        --default) make_default=1; shift ;;
        --uninstall) uninstall=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
done

if [ -z "$bundle" ]; then  # inside the bundle (linux/ beside the executable) or the repository
    for candidate in "$here/.." "$here/../../dist/passerelle"; do
        if [ -x "$candidate/passerelle" ]; then bundle="$candidate"; break; fi
    done
fi
if [ "$uninstall" = 0 ]; then
    if [ -z "$bundle" ] || [ ! -x "$bundle/passerelle" ]; then
        echo "No Passerelle bundle found: pass --bundle DIR (the folder holding 'passerelle')." >&2
        exit 1
    fi
    bundle="$(cd "$bundle" && pwd)"
fi

if [ "$system" = 1 ]; then
    share="/usr/share"
    bin_dir="/usr/local/bin"
else
    share="${XDG_DATA_HOME:-$HOME/.local/share}"
    bin_dir="$HOME/.local/bin"
fi
apps="$share/applications"
hicolor="$share/icons/hicolor"
desktop="$apps/passerelle.desktop"

refresh() {
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$apps" || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$hicolor/index.theme" ]; then
        gtk-update-icon-cache -q -t "$hicolor" || true
    fi
}

if [ "$uninstall" = 1 ]; then
    rm -f "$desktop" "$hicolor/scalable/apps/passerelle.svg"
    for png in "$icons"/passerelle-*.png; do
        size="${png##*-}"; size="${size%.png}"
        rm -f "$hicolor/${size}x${size}/apps/passerelle.png"
    done
    if [ -L "$bin_dir/passerelle" ]; then rm -f "$bin_dir/passerelle"; fi
    refresh
    echo "Removed the Passerelle menu entry, icons and command link."
    exit 0
fi

mkdir -p "$apps" "$hicolor/scalable/apps"
install -m 644 "$icons/passerelle.svg" "$hicolor/scalable/apps/passerelle.svg"
for png in "$icons"/passerelle-*.png; do
    size="${png##*-}"; size="${size%.png}"
    mkdir -p "$hicolor/${size}x${size}/apps"
    install -m 644 "$png" "$hicolor/${size}x${size}/apps/passerelle.png"
done

# The menu entry runs the bundle's executable by absolute path, quoted as the Desktop Entry
# spec says (inside quotes, " ` $ and \ take a backslash, itself doubled in the file).
exe="$bundle/passerelle"
quoted="$exe"
for ch in '\\' '"' '`' '$'; do quoted="${quoted//"$ch"/\\\\$ch}"; done
while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
        Exec=*) printf 'Exec="%s" %%F\n' "$quoted" ;;
        TryExec=*) printf 'TryExec=%s\n' "$exe" ;;
        *) printf '%s\n' "$line" ;;
    esac
done < "$here/passerelle.desktop" > "$desktop.tmp"
chmod 644 "$desktop.tmp"
mv "$desktop.tmp" "$desktop"

mkdir -p "$bin_dir"
ln -sfn "$exe" "$bin_dir/passerelle"

if [ "$make_default" = 1 ]; then
    if command -v xdg-mime >/dev/null 2>&1; then
        xdg-mime default passerelle.desktop "${mime_types[@]}"
    else
        echo "xdg-mime is not installed: Passerelle is offered under 'Open with' only." >&2
    fi
fi
refresh
echo "Installed: $desktop (Open with: PDF, DOCX), icons in $hicolor, command $bin_dir/passerelle"
