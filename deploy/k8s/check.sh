#!/usr/bin/env bash
# Offline checks of the Kubernetes manifests; needs no cluster.
#
#   deploy/k8s/check.sh
#
# 1. every deploy/sql/*.sql file is listed in the schema ConfigMap of base/kustomization.yaml, so no
#    schema file is left out of what the silo pods apply;
# 2. every YAML file here parses (with python3 and PyYAML, when present);
# 3. every overlay renders (with kubectl, when present).
# It does not validate against the Kubernetes API schema: that needs a cluster
# (`kubectl apply --dry-run=server`).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
status=0

for f in "$repo"/deploy/sql/*.sql; do
    if ! grep -q -- "- ../../sql/$(basename "$f")\$" "$here/base/kustomization.yaml"; then
        echo "check.sh: deploy/sql/$(basename "$f") is not listed in deploy/k8s/base/kustomization.yaml (orleansbreaker-schema)" >&2
        status=1
    fi
done

if command -v python3 >/dev/null 2>&1 && python3 -c 'import yaml' 2>/dev/null; then
    find "$here" -name '*.yaml' -print0 | sort -z | xargs -0 python3 -c '
import sys, yaml
for path in sys.argv[1:]:
    with open(path) as f:
        list(yaml.safe_load_all(f))
print(f"{len(sys.argv) - 1} YAML files parse")' || status=1
else
    echo "check.sh: python3 with PyYAML not found; YAML parsing skipped" >&2
fi

if command -v kubectl >/dev/null 2>&1; then
    for overlay in "$here"/overlays/*/; do
        name=$(basename "$overlay")
        if out=$(kubectl kustomize --load-restrictor LoadRestrictionsNone "$overlay" 2>&1); then
            echo "overlay $name renders: $(grep -c '^kind:' <<<"$out") objects"
        else
            echo "check.sh: overlay $name does not render: $out" >&2
            status=1
        fi
    done
else
    echo "check.sh: kubectl not found; rendering skipped" >&2
fi
exit $status
