#!/bin/sh
# Runs inside the guest's chroot (the host's root filesystem): load the
# modules in modules.list, then run the test command with its output going
# to the results share, which the host streams to its terminal.
set -u
share=/run/kipvs-vm
kver=$(uname -r)
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root KIPVS_IN_VM=1

exec >"$share/output.log" 2>&1

missing=
for mod in $(grep -v -e '^#' -e '^$' "$share/modules.list"); do
	modprobe "$mod" 2>/dev/null || missing="$missing $mod"
done
if [ -n "$missing" ]; then
	echo "kipvs-vm: kernel $kver could not load:$missing"
	exit 125
fi

cd "$(cat "$share/cwd")" || exit 125
exec bash "$share/command"
