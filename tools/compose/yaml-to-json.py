"""Print a YAML file (a compose file) as JSON, with YAML merge keys (<<) resolved; values are not interpolated."""
import json
import sys

from ruamel.yaml import YAML  # installed with check-jsonschema (tools/compose/requirements.txt)

with open(sys.argv[1], encoding="utf-8") as f:
    json.dump(YAML(typ="safe", pure=True).load(f), sys.stdout, indent=1)
