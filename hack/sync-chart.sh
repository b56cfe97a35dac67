#!/usr/bin/env bash
# Copies what `make manifests` generates, the hand-written RBAC roles and the
# release version from the repository into the Helm chart, so the chart and
# the kustomize install grant the same permissions, ship the same CRDs and
# carry the same version:
#   config/crd/bases/*.yaml        -> charts/charsim-operator/crds/
#   config/rbac/<role files>.yaml  -> charts/charsim-operator/files/rbac/
#   VERSION                        -> Chart.yaml version and appVersion
# The chart's Role and ClusterRole templates read their rules from files/rbac/.
# test/install fails when the chart and config/ differ, so run this (make
# chart-sync) after `make manifests`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
chart="$root/charts/charsim-operator"
roles=(role.yaml leader_election_role.yaml metrics_auth_role.yaml metrics_reader_role.yaml)

shopt -s nullglob
crds=("$root"/config/crd/bases/*.yaml)
if ((${#crds[@]} == 0)); then
  echo "sync-chart: no CRDs in config/crd/bases: run make manifests" >&2
  exit 1
fi
version=$(tr -d '[:space:]' <"$root/VERSION")
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
  echo "sync-chart: VERSION \"$version\" is not a semantic version, which Helm requires" >&2
  exit 1
fi
for role in "${roles[@]}"; do
  if [[ ! -f "$root/config/rbac/$role" ]]; then
    echo "sync-chart: config/rbac/$role is missing (role.yaml comes from make manifests)" >&2
    exit 1
  fi
done

# Replace, not merge, so a CRD removed from config/ leaves the chart too.
rm -rf "$chart/crds" "$chart/files/rbac"
mkdir -p "$chart/crds" "$chart/files/rbac"
cp "${crds[@]}" "$chart/crds/"
for role in "${roles[@]}"; do
  cp "$root/config/rbac/$role" "$chart/files/rbac/$role"
done
sed -i -E -e "s/^version:.*/version: $version/" -e "s/^appVersion:.*/appVersion: \"$version\"/" "$chart/Chart.yaml"
echo "sync-chart: version $version, copied ${#crds[@]} CRD(s) and ${#roles[@]} role(s) into ${chart#"$root"/}" >&2
