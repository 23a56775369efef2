package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestKMSWithBoto3 drives every KMS operation seclake serves from one boto3 script, errors included, and checks
// the codes botocore reports.
func TestKMSWithBoto3(t *testing.T) {
	s := startServer(t)
	policy := filepath.Join(t.TempDir(), "policy.json")
	require.NoError(t, os.WriteFile(policy, []byte(kmsPolicyFile(t, "logs-delivery.json", "")), 0o600))
	out, err := s.python(t, testKeyID, testSecret, `
import boto3, os, json
from botocore.config import Config
from botocore.exceptions import ClientError
kms = boto3.client("kms", endpoint_url=os.environ["ENDPOINT"])
# Without botocore's own checks, so the server's validation answers.
unchecked = boto3.client("kms", endpoint_url=os.environ["ENDPOINT"], config=Config(parameter_validation=False))
acct = "`+testAccount+`"

def code(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return "OK"

out = []
key = kms.create_key(Policy=open("`+policy+`").read(), Description="flow logs", Tags=[{"TagKey": "a", "TagValue": "1"}])["KeyMetadata"]
kid, arn = key["KeyId"], key["Arn"]
out.append(("create", key["KeyState"], key["KeySpec"], key["Enabled"]))
out.append(("describe", kms.describe_key(KeyId=kid)["KeyMetadata"]["Description"]))
out.append(("list", [k["KeyArn"] for k in kms.list_keys()["Keys"]] == [arn]))
out.append(("policy", "Allow Logs Delivery to use the key" in kms.get_key_policy(KeyId=kid, PolicyName="default")["Policy"]))
out.append(("policies", kms.list_key_policies(KeyId=kid)["PolicyNames"]))

ct = kms.encrypt(KeyId=kid, Plaintext=b"hello", EncryptionContext={"k": "v"})["CiphertextBlob"]
out.append(("decrypt", kms.decrypt(CiphertextBlob=ct, EncryptionContext={"k": "v"})["Plaintext"]))
out.append(("bad context", code(kms.decrypt, CiphertextBlob=ct, EncryptionContext={"k": "w"})))
dk = kms.generate_data_key(KeyId=arn, NumberOfBytes=16)
out.append(("data key", len(dk["Plaintext"]), kms.decrypt(CiphertextBlob=dk["CiphertextBlob"])["Plaintext"] == dk["Plaintext"]))
out.append(("no plaintext", "Plaintext" in kms.generate_data_key_without_plaintext(KeyId=kid, KeySpec="AES_128")))
other = kms.create_key()["KeyMetadata"]
re = kms.re_encrypt(CiphertextBlob=ct, SourceEncryptionContext={"k": "v"}, DestinationKeyId=other["KeyId"])
out.append(("reencrypt", re["SourceKeyId"] == arn, re["KeyId"] == other["Arn"]))
out.append(("incorrect key", code(kms.decrypt, CiphertextBlob=re["CiphertextBlob"], KeyId=kid)))
out.append(("random", len(kms.generate_random(NumberOfBytes=10)["Plaintext"])))
out.append(("dry run", code(kms.encrypt, KeyId=kid, Plaintext=b"x", DryRun=True)))

kms.create_alias(AliasName="alias/flow-logs", TargetKeyId=kid)
out.append(("alias exists", code(kms.create_alias, AliasName="alias/flow-logs", TargetKeyId=kid)))
kms.update_alias(AliasName="alias/flow-logs", TargetKeyId=other["KeyId"])
# The predefined alias of S3's AWS managed key is listed without TargetKeyId until the key is created.
out.append(("aliases", [(a["AliasName"], a.get("TargetKeyId") == other["KeyId"]) for a in kms.list_aliases()["Aliases"]]))
kms.delete_alias(AliasName="alias/flow-logs")
out.append(("alias gone", code(kms.describe_key, KeyId="alias/flow-logs")))

out.append(("no such grantee", code(kms.create_grant, KeyId=kid, GranteePrincipal="arn:aws:iam::" + acct + ":user/reader", Operations=["Decrypt"])))
boto3.client("iam", endpoint_url=os.environ["ENDPOINT"]).create_user(UserName="reader")
g = kms.create_grant(KeyId=kid, GranteePrincipal="arn:aws:iam::" + acct + ":user/reader", RetiringPrincipal=acct, Operations=["Decrypt"])
out.append(("grants", [x["GrantId"] == g["GrantId"] for x in kms.list_grants(KeyId=kid)["Grants"]]))
out.append(("retirable", len(kms.list_retirable_grants(RetiringPrincipal=acct)["Grants"])))
kms.retire_grant(KeyId=kid, GrantId=g["GrantId"])
out.append(("revoke gone", code(kms.revoke_grant, KeyId=kid, GrantId=g["GrantId"])))

kms.enable_key_rotation(KeyId=kid, RotationPeriodInDays=90)
st = kms.get_key_rotation_status(KeyId=kid)
out.append(("rotation", st["KeyRotationEnabled"], st["RotationPeriodInDays"]))
out.append(("period", code(unchecked.enable_key_rotation, KeyId=kid, RotationPeriodInDays=30)))
out.append(("on demand", kms.rotate_key_on_demand(KeyId=kid)["KeyId"] == arn))
out.append(("rotations", [r["RotationType"] for r in kms.list_key_rotations(KeyId=kid)["Rotations"]]))
out.append(("old ct", kms.decrypt(CiphertextBlob=ct, EncryptionContext={"k": "v"})["Plaintext"]))
kms.disable_key_rotation(KeyId=kid)

kms.tag_resource(KeyId=kid, Tags=[{"TagKey": "b", "TagValue": "2"}])
kms.untag_resource(KeyId=kid, TagKeys=["a"])
out.append(("tags", kms.list_resource_tags(KeyId=kid)["Tags"]))
out.append(("reserved tag", code(kms.tag_resource, KeyId=kid, Tags=[{"TagKey": "aws:x", "TagValue": "1"}])))

kms.update_key_description(KeyId=kid, Description="vpc flow logs")
kms.disable_key(KeyId=kid)
out.append(("disabled", code(kms.encrypt, KeyId=kid, Plaintext=b"x")))
kms.enable_key(KeyId=kid)
sd = kms.schedule_key_deletion(KeyId=kid, PendingWindowInDays=30)
out.append(("pending", sd["KeyState"], sd["PendingWindowInDays"], code(kms.decrypt, CiphertextBlob=ct, EncryptionContext={"k": "v"})))
out.append(("cancel", kms.cancel_key_deletion(KeyId=kid)["KeyId"] == arn, kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyState"]))

out.append(("not found", code(kms.describe_key, KeyId="1234abcd-12ab-34cd-56ef-1234567890ab")))
out.append(("malformed", code(kms.put_key_policy, KeyId=kid, PolicyName="default", Policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS:":"*"},"Action":"kms:*","Resource":"*"}]}')))
out.append(("lockout", code(kms.put_key_policy, KeyId=kid, PolicyName="default", Policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+testAccount+`:user/nobody"},"Action":"kms:*","Resource":"*"}]}')))
out.append(("validation", code(unchecked.generate_data_key, KeyId=kid, NumberOfBytes=2000)))
out.append(("spec", code(kms.create_key, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")))
for line in out:
    print(json.dumps(line, default=lambda b: b.decode()))
`)
	require.NoError(t, err)
	want := `["create", "Enabled", "SYMMETRIC_DEFAULT", true]
["describe", "flow logs"]
["list", true]
["policy", true]
["policies", ["default"]]
["decrypt", "hello"]
["bad context", "InvalidCiphertextException"]
["data key", 16, true]
["no plaintext", false]
["reencrypt", true, true]
["incorrect key", "IncorrectKeyException"]
["random", 10]
["dry run", "DryRunOperationException"]
["alias exists", "AlreadyExistsException"]
["aliases", [["alias/aws/s3", false], ["alias/flow-logs", true]]]
["alias gone", "NotFoundException"]
["no such grantee", "InvalidArnException"]
["grants", [true]]
["retirable", 1]
["revoke gone", "NotFoundException"]
["rotation", true, 90]
["period", "ValidationException"]
["on demand", true]
["rotations", ["ON_DEMAND"]]
["old ct", "hello"]
["tags", [{"TagKey": "b", "TagValue": "2"}]]
["reserved tag", "TagException"]
["disabled", "DisabledException"]
["pending", "PendingDeletion", 30, "KMSInvalidStateException"]
["cancel", true, "Disabled"]
["not found", "NotFoundException"]
["malformed", "MalformedPolicyDocumentException"]
["lockout", "MalformedPolicyDocumentException"]
["validation", "ValidationException"]
["spec", "UnsupportedOperationException"]
`
	require.Equal(t, want, out)
}
