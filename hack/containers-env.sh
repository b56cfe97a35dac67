# shellcheck shell=bash
# Sourced by the container tier's scripts (test-containers.sh,
# store-images.sh, bench-footprint.sh): installs podman, runc, mmdebstrap,
# podman-compose and uidmap with apt-get when one is missing, and exports
# CONTAINERS_CONF, a containers.conf every podman call of the tier reads,
# podman-compose's included: runc with cgroupfs (no systemd here), no
# default ulimits (this sandbox refuses to raise RLIMIT_NOFILE: "error
# setting rlimit type 7") and file events instead of journald.

containers_env_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

containers_env_setup() {
	local missing=() tool
	for tool in podman runc mmdebstrap podman-compose jq; do
		command -v "$tool" >/dev/null || missing+=("$tool")
	done
	command -v newuidmap >/dev/null || missing+=(uidmap)
	if ((${#missing[@]} > 0)); then
		if [[ $(id -u) != 0 ]]; then
			printf 'containers: missing %s; install them (apt-get install %s) or run as root\n' "${missing[*]}" "${missing[*]}" >&2
			return 1
		fi
		printf 'containers: installing %s\n' "${missing[*]}" >&2
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
	local dir=$containers_env_root/.local/containers
	mkdir -p "$dir"
	cat >"$dir/containers.conf" <<-'CONF'
		[containers]
		default_ulimits = []

		[engine]
		runtime = "runc"
		cgroup_manager = "cgroupfs"
		events_logger = "file"
	CONF
	export CONTAINERS_CONF=$dir/containers.conf
}
