#!/usr/bin/env bash
# Loupe's main job on the bundled demo evidence: the two-segment E01 of the
# GPT demo disk (an NTFS Windows profile and an ext4 Linux home).
#   testdata/demo.sh BIN/loupe-cli OUTDIR
# The evidence is only read. Everything written goes to OUTDIR.
set -euo pipefail
cli=${1:?usage: demo.sh LOUPE-CLI OUTDIR}
out=${2:?usage: demo.sh LOUPE-CLI OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
ev="$here/evidence"
mkdir -p "$out"
e01=("$ev/gpt.E01" "$ev/gpt.E02")

step() { printf '\n== %s\n' "$*" >&2; }
commands=$("$cli" help 2>&1 || true)
has() { grep -q "^  $1 " <<<"$commands"; }

step "Describe the evidence container"
"$cli" image info --json "${e01[@]}" | tee "$out/image-info.json"

step "Verify the media (MD5, SHA-1, SHA-256 in one pass) against the hashes stored at acquisition"
"$cli" image verify --json "${e01[@]}" | tee "$out/image-verify.json"

if has ls; then
  step "List every file-system entry, deleted ones included (first 15 lines; all in $out/ls.jsonl)"
  "$cli" ls --json "${e01[@]}" > "$out/ls.jsonl"
  head -15 "$out/ls.jsonl"
  printf '%s entries, %s deleted\n' "$(wc -l < "$out/ls.jsonl")" "$(grep -c '"deleted":true' "$out/ls.jsonl" || true)" >&2
fi

if has examine; then
  step "Examine the exhibit into a tamper-evident record"
  rm -f "$out/demo.loupe" "$out/demo.loupe-wal" "$out/demo.loupe-shm" "$out/demo.loupe.checkpoint"
  LOUPE_HOME="$out/examiner" "$cli" examine --sweep --record "$out/demo.loupe" --case "OP-DEMO/2026" --exhibit "ABC/1" \
    --examiner "Demo Examiner" "${e01[@]}"
  step "Verify the record's audit chain and re-hash the evidence"
  LOUPE_HOME="$out/examiner" "$cli" verify "$out/demo.loupe" --image "${e01[@]}"
  step "Artefacts found (by kind)"
  "$cli" artefacts --json "$out/demo.loupe" | python3 -c 'import sys,json,collections; c=collections.Counter(json.loads(l)["kind"] for l in sys.stdin); [print(f"{n:6d}  {k}") for k,n in sorted(c.items())]'
fi

if has examine && has report; then
  step "Reports: the exhibit report (PDF) for the officer and the technical record (HTML) for the peer reviewer"
  rm -f "$out/exhibit.pdf" "$out/technical.html"
  LOUPE_HOME="$out/examiner" "$cli" report --record "$out/demo.loupe" --examiner "Demo Examiner" --kind exhibit --format pdf \
    --out "$out/exhibit.pdf" --marking OFFICIAL-SENSITIVE --recipient "Demo officer" --reason "demonstration" --json
  LOUPE_HOME="$out/examiner" "$cli" report --record "$out/demo.loupe" --examiner "Demo Examiner" --kind technical --format html \
    --out "$out/technical.html" --marking OFFICIAL-SENSITIVE --recipient "Demo peer reviewer" --reason "demonstration" --json
fi
printf '\nDemo outputs are in %s\n' "$out" >&2
