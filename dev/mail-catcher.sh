#!/usr/bin/env bash
# `dev/mail-catcher.sh DIR PORT`: a local SMTP server on 127.0.0.1:PORT that keeps every email it receives as a file in
# the Maildir DIR (new/ holds one file per email). `make run` uses it; it runs in the foreground.
set -euo pipefail
dir="${1:?usage: mail-catcher.sh DIR PORT}"
port="${2:?usage: mail-catcher.sh DIR PORT}"
cd "$(dirname "$0")/.."
# aiosmtpd's Mailbox makes the Maildir's folders only when DIR does not exist yet; without tmp/ every email is refused.
mkdir -p "$dir/new" "$dir/cur" "$dir/tmp"
exec .venv/bin/python -m aiosmtpd -n -l "127.0.0.1:$port" -c aiosmtpd.handlers.Mailbox "$dir"
