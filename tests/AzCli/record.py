#!/usr/bin/env python3
"""Records the HTTP request shapes Debian's azure-cli 2.45 sends to a standalone emulator (127.0.0.1 only).

Usage: python3 tests/AzCli/record.py PROFILE.json OUT.json
Starts from a fresh AZURE_CONFIG_DIR, registers a custom cloud whose endpoints are the emulator's, signs in with
`az login --identity` through MSI_ENDPOINT, runs each command with --debug and keeps, per request, the method, the
path, the query, the request headers (Authorization and per-run ids dropped) and the body. The replay test
(tests/CmkPowerShell.Tests/Emulator/AzureCliReplayTests.cs) sends them again and checks the answers against the specs.
"""
import json, os, re, subprocess, sys, tempfile, urllib.parse

profile = json.load(open(sys.argv[1]))
out = sys.argv[2]
ep = profile["endpoint"].rstrip("/")
assert urllib.parse.urlparse(ep).hostname == "127.0.0.1", "only ever a local emulator"
sub = profile["subscriptionId"]
rg = "rg-cmk-demo"
work = tempfile.mkdtemp(prefix="azcli-")
pem = os.path.join(work, "emulator.pem")
open(pem, "w").write(profile["certificatePem"])
env = dict(os.environ, AZURE_CONFIG_DIR=os.path.join(work, "az"), REQUESTS_CA_BUNDLE=pem,
           AZURE_CORE_COLLECT_TELEMETRY="no", MSI_ENDPOINT=profile["identityEndpoint"])
kv = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/kv-good"
key = "https://kv-good.vault.azure.net/keys/cmk/1a2b3c4d5e6f40718293a4b5c6d7e8f2"
dc1 = f"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.DocumentDB/cassandraClusters/cassandra-demo/dataCenters/dc1"

COMMANDS = [
    "account list", "group list", f"group show -n {rg}",
    f"keyvault show -n kv-good -g {rg}", f"keyvault list -g {rg}",
    f"keyvault update -n kv-good -g {rg} --enable-purge-protection true",
    f"netappfiles account show -g {rg} -n anf-demo",
    f"netappfiles account update -g {rg} -n anf-demo --key-source Microsoft.KeyVault --key-vault-uri https://kv-good.vault.azure.net/ --key-name cmk --keyvault-resource-id {kv}",
    f"netappfiles account renew-credentials -g {rg} -n anf-demo",
    f"batch account show -g {rg} -n batchdemo",
    f"batch account set -g {rg} -n batchdemo --encryption-key-source Microsoft.KeyVault --encryption-key-identifier {key}",
    f"managed-cassandra cluster show -g {rg} -c cassandra-demo", f"managed-cassandra cluster list -g {rg}",
    f"managed-cassandra datacenter show -g {rg} -c cassandra-demo -d dc1",
    f"managed-cassandra datacenter list -g {rg} -c cassandra-demo",
    f"managed-cassandra datacenter update -g {rg} -c cassandra-demo -d dc1 --managed-disk-customer-key-uri {key} --backup-storage-customer-key-uri {key}",
    f"kusto cluster show -g {rg} -n kusto-demo",
    f"resource show --ids {dc1}",
    f"resource list -g {rg}", "resource list",
    f"keyvault show -n kv-missing -g {rg}",
]

LINE = re.compile(r"^DEBUG: cli\.azure\.cli\.core\.sdk\.policies: ?(.*)$")
SKIP_HEADERS = {"authorization", "x-ms-client-request-id", "user-agent", "commandname", "parametersetname", "content-length"}

def run(args):
    p = subprocess.run(["az"] + args.split() + ["--debug"], env=env, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stderr

def parse(stderr, command):
    shapes, cur, mode = [], None, None
    for raw in stderr.splitlines():
        m = LINE.match(raw)
        if not m: continue
        text = m.group(1)
        if text.startswith("Request URL: "):
            url = urllib.parse.urlsplit(text[len("Request URL: "):].strip("'"))
            cur = {"command": "az " + command, "method": None, "path": urllib.parse.unquote(url.path), "query": url.query, "headers": {}, "body": None}
            shapes.append(cur); mode = None
        elif cur is None: continue
        elif text.startswith("Request method: "): cur["method"] = text[len("Request method: "):].strip("'")
        elif text == "Request headers:": mode = "headers"
        elif text == "Request body:": mode = "body"
        elif text.startswith("Response status: "): cur["recordedStatus"] = int(text.split(": ")[1]); mode = None
        elif text.startswith("Response headers:") or text.startswith("Response content:"): mode = None
        elif mode == "headers":
            hm = re.match(r"^\s+'([^']+)': '(.*)'$", text)
            if hm and hm.group(1).lower() not in SKIP_HEADERS: cur["headers"][hm.group(1)] = hm.group(2)
        elif mode == "body":
            if text != "This request has no body": cur["body"] = json.loads(text)
            mode = None
    for s in shapes:  # the subscription id is the scenario's; keep the path replayable against any emulator of it
        s["path"] = s["path"].replace(sub, "{subscriptionId}")
    return shapes

rc, err = run("cloud register -n CmkEmulator --endpoint-resource-manager " + ep + "/ --endpoint-active-directory " + ep +
              " --endpoint-active-directory-resource-id https://management.azure.com/ --endpoint-active-directory-graph-resource-id https://graph.windows.net/ --suffix-keyvault-dns .vault.azure.net")
assert rc == 0, err
assert run("cloud set -n CmkEmulator")[0] == 0
rc, err = run("login --identity")
assert rc == 0, err
records = [{"command": "az login --identity", "method": "POST", "path": "/msi/token", "query": "",
            "headers": {"Metadata": "true", "Content-Type": "application/x-www-form-urlencoded"},
            "form": {"resource": "https://management.azure.com/"}, "recordedStatus": 200}]
results = []
for c in COMMANDS:
    rc, err = run(c)
    shapes = parse(err, c)
    results.append((c, rc, len(shapes)))
    records += shapes
json.dump({"client": "azure-cli 2.45.0 (Debian)", "records": records}, open(out, "w"), indent=1)
for c, rc, n in results: print(f"{rc:3} {n:2} az {c}")
