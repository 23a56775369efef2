"""Reads an Iceberg table's manifest list and manifests with the Apache Avro library (Debian's python3-avro),
fetching each file through seclake's S3 API with the aws CLI: an Avro implementation other than iceberg-go's.

Argument: the s3:// location of the table's metadata JSON. Prints, as JSON, the current snapshot id, the
manifest paths of its manifest list, each live data file's path and record count, and each one's time_dt
bounds decoded as the Iceberg spec says a timestamptz bound is (int64 microseconds, little endian).
"""
import io
import json
import struct
import subprocess
import sys

import avro.datafile
import avro.io


def fetch(url):
    """Returns the object's bytes, read with `aws s3 cp URL -` into memory."""
    return subprocess.run(["aws", "--endpoint-url", ENDPOINT, "s3", "cp", url, "-"],
                          check=True, capture_output=True).stdout


def records(url):
    """Yields the records of an Avro object container file."""
    with avro.datafile.DataFileReader(io.BytesIO(fetch(url)), avro.io.DatumReader()) as r:
        yield from r


ENDPOINT = sys.argv[2]
meta = json.loads(fetch(sys.argv[1]))
snap_id = meta["current-snapshot-id"]
snap = next(s for s in meta["snapshots"] if s["snapshot-id"] == snap_id)
schema = next(sc for sc in meta["schemas"] if sc["schema-id"] == meta["current-schema-id"])
time_dt = next(f["id"] for f in schema["fields"] if f["name"] == "time_dt")


def bound(pairs):
    """Returns time_dt's bound among a data file's bounds (an Avro array of key/value records), or None."""
    for kv in pairs or []:
        if kv["key"] == time_dt:
            return struct.unpack("<q", kv["value"])[0]
    return None


out = {"snapshot": snap_id, "manifests": [], "files": {}, "time_dt": {}}
for m in records(snap["manifest-list"]):
    out["manifests"].append(m["manifest_path"])
    if m.get("content", 0) != 0:
        raise SystemExit("a delete manifest: " + m["manifest_path"])
    for e in records(m["manifest_path"]):
        if e["status"] == 2:  # DELETED
            continue
        f = e["data_file"]
        out["files"][f["file_path"]] = f["record_count"]
        out["time_dt"][f["file_path"]] = [bound(f.get("lower_bounds")), bound(f.get("upper_bounds"))]
print(json.dumps(out))
