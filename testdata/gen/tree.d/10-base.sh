#!/usr/bin/env bash
# Base user trees for the evidence disks: an ordinary Windows profile (alice)
# on the NTFS volume and an ordinary Linux home (bob) on the ext4 volume, with
# empty folders where the artefact hooks (Tor Browser, wallets, GnuPG, chat
# apps) drop real artefacts later.
#   tree.d/10-base.sh WIN_ROOT LINUX_ROOT
# Every byte is deterministic: text is written here, pictures come from
# ImageMagick's seeded generators, random "containers" from SHAKE-256 of a
# fixed seed, and each file gets a fixed mtime before the fixture date
# (FIXTURE_EPOCH, exported by make-fixtures.sh).
set -euo pipefail
win=${1:?usage: 10-base.sh WIN_ROOT LINUX_ROOT}
lin=${2:?usage: 10-base.sh WIN_ROOT LINUX_ROOT}
epoch=${FIXTURE_EPOCH:-1773482400}
umask 022

# at FILE DAYS-BEFORE [HH:MM]: fixed mtime relative to the fixture date, with
# a sub-second part taken from the file's name (100 ns steps, as NTFS keeps).
at() {
	local s=$((epoch - $2 * 86400))
	local hm=${3:-09:15}
	local frac
	frac=$(basename "$1" | sha256sum | tr -dc 0-9 | head -c 7)
	touch -h -d "$(date -u -d "@$s" +%Y-%m-%d) $hm:00.${frac}00 UTC" "$1"
}
# crlf: Windows users' text files end lines with CR LF.
crlf() { sed 's/$/\r/'; }
# stream SEED BYTES: deterministic pseudo-random bytes (SHAKE-256 of SEED).
stream() { python3 -c 'import hashlib,sys; sys.stdout.buffer.write(hashlib.shake_256(sys.argv[1].encode()).digest(int(sys.argv[2])))' "$1" "$2"; }
# picture OUT SEED WxH: a seeded plasma picture, no dates or profiles inside.
picture() {
	convert -seed "$2" -size "$3" plasma:fractal -depth 8 -strip \
		-define png:exclude-chunks=date,time "$1"
}

# PDFs come from the go-pdf/fpdf library through testdata/gen/mkpdf: Debian's
# ImageMagick may not write PDF (security policy) and nothing else here can.
repo=$(cd "$(dirname "$0")/../../.." && pwd)
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
(cd "$repo" && go build -o "$bin/mkpdf" ./testdata/gen/mkpdf)
# pdf OUT TITLE AUTHOR RFC3339-DATE < BODY
pdf() { "$bin/mkpdf" -o "$1" -title "$2" -author "$3" -date "$4"; }

# ---------------------------------------------------------------- Windows
a="$win/Users/alice"
mkdir -p "$a"/{Desktop,Documents,Downloads,Pictures,Music,Videos} \
	"$a/Desktop/Tor Browser" \
	"$a/AppData/Roaming/Electrum/wallets" \
	"$a/AppData/Roaming/gnupg" \
	"$a/AppData/Roaming/Signal" \
	"$a/AppData/Roaming/Microsoft/Windows/Recent" \
	"$a/AppData/Local/Temp" \
	"$a/AppData/LocalLow" \
	"$win/Users/Public/Documents"

crlf > "$a/Desktop/todo.txt" <<'T'
TODO this week
- call the landlord about the heating
- renew passport (photo booth at the station)
- back up the laptop to the blue USB stick
- pay the electricity bill before the 20th
T
at "$a/Desktop/todo.txt" 3 18:40

crlf > "$a/Documents/budget-2026.csv" <<'T'
month,rent,food,transport,utilities,savings
2026-01,850.00,312.45,64.00,121.10,200.00
2026-02,850.00,298.10,64.00,133.87,150.00
2026-03,850.00,0.00,64.00,0.00,0.00
T
at "$a/Documents/budget-2026.csv" 12 20:05

crlf > "$a/Documents/Letter to insurer.txt" <<'T'
Alice Example
14 Sample Street
Exampletown

Dear Sir or Madam,

Policy number HX-2231-0987

I am writing to report water damage in the bathroom of the above address,
discovered on 2 February 2026. A plumber attended the next morning and the
leak has been repaired; his invoice is attached.

Please let me know what further information you need to process the claim.

Yours faithfully,
Alice Example
T
at "$a/Documents/Letter to insurer.txt" 40 11:02

pdf "$a/Documents/Invoice 0142 - Plumbing.pdf" "Invoice 0142" "Example Plumbing Ltd" 2026-02-03T16:20:00Z <<'T'
Example Plumbing Ltd, 3 Pipe Lane, Exampletown
Invoice 0142, 3 February 2026
Customer: Alice Example, 14 Sample Street
Emergency call-out, bathroom leak: 95.00
Replacement compression fitting: 12.40
Labour, 1.5 hours: 67.50
Total due: 174.90 (VAT included)
T
at "$a/Documents/Invoice 0142 - Plumbing.pdf" 39 18:02

# A small file that stays resident in its MFT record; make-fixtures.sh deletes it.
crlf > "$a/Documents/meeting-notes.txt" <<'T'
Thursday 19:00, usual place. Bring the stick.
Do not use the phone for this.
T
at "$a/Documents/meeting-notes.txt" 2 22:31

# A non-resident text file (> 8 KiB); make-fixtures.sh deletes it.
{
	echo "Address book export"
	for i in $(seq 1 220); do
		printf 'contact-%03d;Person %03d;+44 7700 9%05d;person%03d@example.org\n' "$i" "$i" "$((i * 37 % 100000))" "$i"
	done
} | crlf > "$a/Documents/contacts-export.txt"
at "$a/Documents/contacts-export.txt" 5 08:12

# An incompressible 1.5 MiB file without any header, the way an encrypted
# container (VeraCrypt and the like) looks on disk. It also makes the GPT
# disk's E01 spill into a second 1 MiB segment.
stream loupe-fixture-ntfs-container 1572864 > "$a/Documents/backup.hc"
at "$a/Documents/backup.hc" 20 23:58

picture "$a/Pictures/sunset.jpg" 11 160x120
at "$a/Pictures/sunset.jpg" 60 17:45
picture "$a/Pictures/chart.png" 12 120x80
at "$a/Pictures/chart.png" 33 10:20

# A download with its Zone.Identifier stream (added by make-fixtures.sh).
zroot=$(mktemp -d)
picture "$zroot/IMG_0412.jpg" 13 96x64
picture "$zroot/IMG_0413.jpg" 14 96x64
python3 - "$zroot" "$a/Downloads/holiday-photos.zip" <<'P'
import sys, zipfile
src, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for i, name in enumerate(["IMG_0412.jpg", "IMG_0413.jpg"]):
        zi = zipfile.ZipInfo(name, date_time=(2025, 8, 17, 14, 3 + i, 10))
        zi.compress_type = zipfile.ZIP_DEFLATED
        with open(f"{src}/{name}", "rb") as f:
            z.writestr(zi, f.read())
P
rm -rf "$zroot"
at "$a/Downloads/holiday-photos.zip" 9 21:17

crlf > "$a/Downloads/README.txt" <<'T'
Thank you for downloading. Unzip the archive and open the pictures with any viewer.
T
at "$a/Downloads/README.txt" 9 21:16

printf '[.ShellClassInfo]\r\nLocalizedResourceName=@%%SystemRoot%%\\system32\\shell32.dll,-21770\r\n' > "$a/Documents/desktop.ini"
at "$a/Documents/desktop.ini" 90 08:00

# --------------------------------------------------------------- Linux
b="$lin/home/bob"
mkdir -p "$b"/{Documents,Downloads,Pictures,.ssh} \
	"$b/.gnupg" \
	"$b/.electrum/wallets" \
	"$b/.local/share/torbrowser" \
	"$b/.local/share/TelegramDesktop" \
	"$b/.config/Signal" \
	"$b/.cache"
chmod 700 "$b/.gnupg" "$b/.ssh" "$b/.electrum"

cat > "$b/.bashrc" <<'T'
# ~/.bashrc: executed by bash(1) for non-login shells.
[ -z "$PS1" ] && return
HISTCONTROL=ignoreboth
HISTSIZE=1000
HISTFILESIZE=2000
shopt -s histappend checkwinsize
alias ll='ls -alF'
alias la='ls -A'
PS1='\u@\h:\w\$ '
T
at "$b/.bashrc" 200 12:00

cat > "$b/.profile" <<'T'
# ~/.profile: executed by the command interpreter for login shells.
if [ -n "$BASH_VERSION" ] && [ -f "$HOME/.bashrc" ]; then
	. "$HOME/.bashrc"
fi
if [ -d "$HOME/.local/bin" ]; then
	PATH="$HOME/.local/bin:$PATH"
fi
T
at "$b/.profile" 200 12:00

cat > "$b/.bash_history" <<'T'
ls -la
cd Downloads
sha256sum tor-browser-linux-x86_64-13.0.9.tar.xz
gpg --verify tor-browser-linux-x86_64-13.0.9.tar.xz.asc
tar xf tor-browser-linux-x86_64-13.0.9.tar.xz
cd
electrum --offline
gpg --list-secret-keys
gpg --armor --export bob@example.org > Documents/bob.pub.asc
shred -u Documents/old-notes.txt
history -c
T
chmod 600 "$b/.bash_history"
at "$b/.bash_history" 1 23:50

cat > "$b/Documents/notes.md" <<'T'
# Notes

## Server
- renew the VPS before April
- rotate the SSH key on the backup box

## Reading
- "Applied Cryptography", chapter 12
T
at "$b/Documents/notes.md" 15 19:30

cat > "$b/Documents/expenses.csv" <<'T'
date,item,amount
2026-01-04,train ticket,23.40
2026-01-11,hosting,5.00
2026-02-11,hosting,5.00
2026-03-11,hosting,5.00
T
at "$b/Documents/expenses.csv" 3 09:00

pdf "$b/Documents/vps-invoice-2026-02.pdf" "Invoice INV-2026-0211" "Example Hosting" 2026-02-11T00:05:00Z <<'T'
Example Hosting, billing department
Invoice INV-2026-0211
Customer: bob@example.org
VPS small, February 2026: 5.00 EUR
Paid by card ending 4242
T
at "$b/Documents/vps-invoice-2026-02.pdf" 31 07:30

# Deleted later by make-fixtures.sh (debugfs rm): one small, one >= 8 KiB.
cat > "$b/Documents/draft-message.txt" <<'T'
Package arrives Friday. Same drop as last time. Delete this after reading.
T
at "$b/Documents/draft-message.txt" 4 01:12

python3 - > "$b/Downloads/address-list.txt" <<'P'
import hashlib
print("# wallet addresses used in February (old list)")
for i in range(1, 301):
    print("addr-%04d %s" % (i, hashlib.sha256(b"loupe-fixture-addr-%d" % i).hexdigest()[:40]))
P
at "$b/Downloads/address-list.txt" 8 16:44

stream loupe-fixture-ext4-container 1572864 > "$b/Documents/archive.tc"
at "$b/Documents/archive.tc" 25 02:10

picture "$b/Pictures/avatar.png" 21 64x64
at "$b/Pictures/avatar.png" 120 13:13

cat > "$b/.ssh/known_hosts" <<'T'
|1|Vx3cW5t0vYwq0m8mJw2P9hS0qKs=|q3k6G4k1dC1rM6p2mH0n9pQ8sT4= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKeyForFixturesOnly0000000000000000
T
chmod 600 "$b/.ssh/known_hosts"
at "$b/.ssh/known_hosts" 70 10:00
