package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestServiceLinkedRolesOfSecurityLake(t *testing.T) {
	s := startServer(t)
	cases := []struct{ service, name string }{
		{"securitylake.amazonaws.com", "AWSServiceRoleForSecurityLake"},
		{"resource-management.securitylake.amazonaws.com", "AWSServiceRoleForSecurityLakeResourceManagement"},
	}
	for _, tc := range cases {
		out, err := s.aws(t, "iam", "create-service-linked-role", "--aws-service-name", tc.service)
		require.NoError(t, err)
		var res struct {
			Role struct {
				RoleName, Path, Arn      string
				AssumeRolePolicyDocument struct {
					Statement []struct {
						Principal struct{ Service string }
					}
				}
			}
		}
		require.NoError(t, json.Unmarshal([]byte(out), &res))
		require.Equal(t, tc.name, res.Role.RoleName)
		require.Equal(t, "/aws-service-role/"+tc.service+"/", res.Role.Path)
		require.Equal(t, "arn:aws:iam::"+testAccount+":role/aws-service-role/"+tc.service+"/"+tc.name, res.Role.Arn)
		require.Equal(t, tc.service, res.Role.AssumeRolePolicyDocument.Statement[0].Principal.Service)

		_, err = s.aws(t, "iam", "create-service-linked-role", "--aws-service-name", tc.service)
		require.ErrorContains(t, err, "InvalidInput")
		require.ErrorContains(t, err, "Service role name "+tc.name+" has been taken in this account, please try a different suffix.")
	}
	out, err := s.aws(t, "iam", "list-attached-role-policies", "--role-name", "AWSServiceRoleForSecurityLake")
	require.NoError(t, err)
	require.Contains(t, out, "arn:aws:iam::aws:policy/aws-service-role/SecurityLakeServiceLinkedRole")

	// Only the service changes its role.
	_, err = s.aws(t, "iam", "put-role-policy", "--role-name", "AWSServiceRoleForSecurityLake", "--policy-name", "x",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	require.ErrorContains(t, err, "UnmodifiableEntity")
	_, err = s.aws(t, "iam", "delete-role", "--role-name", "AWSServiceRoleForSecurityLake")
	require.ErrorContains(t, err, "Cannot perform the operation on the protected role 'AWSServiceRoleForSecurityLake' - this role is only modifiable by AWS")

	// Policies may name the roles by their real ARNs; the guide's misspelt Lake Formation role does not exist.
	slr := "arn:aws:iam::" + testAccount + ":role/aws-service-role/securitylake.amazonaws.com/AWSServiceRoleForSecurityLake"
	_, err = s.aws(t, "iam", "create-role", "--role-name", "trusts-slr", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+slr+`"},"Action":"sts:AssumeRole"}]}`)
	require.NoError(t, err)
	_, err = s.aws(t, "iam", "create-role", "--role-name", "typo", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+testAccount+`:role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormatinoDataAccess"},"Action":"sts:AssumeRole"}]}`)
	require.ErrorContains(t, err, "MalformedPolicyDocument")
	require.ErrorContains(t, err, "Invalid principal in policy")

	out, err = s.aws(t, "iam", "delete-service-linked-role", "--role-name", "AWSServiceRoleForSecurityLakeResourceManagement")
	require.NoError(t, err)
	var del struct{ DeletionTaskId string }
	require.NoError(t, json.Unmarshal([]byte(out), &del))
	require.True(t, strings.HasPrefix(del.DeletionTaskId, "task/aws-service-role/resource-management.securitylake.amazonaws.com/AWSServiceRoleForSecurityLakeResourceManagement/"), del.DeletionTaskId)
	out, err = s.aws(t, "iam", "get-service-linked-role-deletion-status", "--deletion-task-id", del.DeletionTaskId)
	require.NoError(t, err)
	require.Contains(t, out, `"Status": "SUCCEEDED"`)
}

func TestRoleTrustPolicyErrorsPointAtTheFault(t *testing.T) {
	s := startServer(t)
	// The Security Lake guide's replication statement writes "AWS:" for "AWS".
	_, err := s.aws(t, "iam", "create-role", "--role-name", "replication", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Sid":"Replication","Effect":"Allow","Principal":{"AWS:":"arn:aws:iam::`+testAccount+`:root"},"Action":"sts:AssumeRole"}]}`)
	require.ErrorContains(t, err, "MalformedPolicyDocument")
	require.ErrorContains(t, err, `statement 0 (Sid "Replication")`)
	require.ErrorContains(t, err, `did you mean "AWS"?`)

	_, err = s.aws(t, "iam", "create-role", "--role-name", "cond", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+testAccount+`"},"Action":"sts:AssumeRole","Condition":{"StringEqualz":{"sts:ExternalId":"x"}}}]}`)
	require.ErrorContains(t, err, "MalformedPolicyDocument")
	require.ErrorContains(t, err, "StringEqualz")
}

// TestRolesPoliciesAndBoundariesWithBoto3 drives the role and managed-policy operations in one boto3 script.
func TestRolesPoliciesAndBoundariesWithBoto3(t *testing.T) {
	s := startServer(t)
	out, err := s.python(t, testKeyID, testSecret, `
import boto3, json, os
iam = boto3.client("iam", endpoint_url=os.environ["ENDPOINT"])
doc = lambda actions: json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]})
trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "`+testAccount+`"}, "Action": "sts:AssumeRole"}]})

role = iam.create_role(RoleName="lake-reader", Path="/lake/", AssumeRolePolicyDocument=trust, MaxSessionDuration=7200,
                       Description="reads the lake", Tags=[{"Key": "team", "Value": "sec"}])["Role"]
print(role["Arn"], role["MaxSessionDuration"], role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"])
iam.update_role(RoleName="lake-reader", MaxSessionDuration=10800)
got = iam.get_role(RoleName="lake-reader")["Role"]
print(got["MaxSessionDuration"], got["Tags"], got["Description"])

iam.put_role_policy(RoleName="lake-reader", PolicyName="inline", PolicyDocument=doc("s3:GetObject"))
print(iam.get_role_policy(RoleName="lake-reader", PolicyName="inline")["PolicyDocument"]["Statement"][0]["Action"])
print(iam.list_role_policies(RoleName="lake-reader")["PolicyNames"])

p = iam.create_policy(PolicyName="LakeRead", PolicyDocument=doc(["s3:GetObject", "s3:ListBucket"]))["Policy"]
iam.create_policy_version(PolicyArn=p["Arn"], PolicyDocument=doc("s3:*"), SetAsDefault=True)
print(p["DefaultVersionId"], iam.get_policy(PolicyArn=p["Arn"])["Policy"]["DefaultVersionId"])
print([v["VersionId"] for v in iam.list_policy_versions(PolicyArn=p["Arn"])["Versions"]])
print(iam.get_policy_version(PolicyArn=p["Arn"], VersionId="v2")["PolicyVersion"]["Document"]["Statement"][0]["Action"])
iam.attach_role_policy(RoleName="lake-reader", PolicyArn=p["Arn"])
print([a["PolicyName"] for a in iam.list_attached_role_policies(RoleName="lake-reader")["AttachedPolicies"]])
print([r["RoleName"] for r in iam.list_entities_for_policy(PolicyArn=p["Arn"])["PolicyRoles"]])
iam.put_role_permissions_boundary(RoleName="lake-reader", PermissionsBoundary=p["Arn"])
print(iam.get_role(RoleName="lake-reader")["Role"]["PermissionsBoundary"]["PermissionsBoundaryArn"] == p["Arn"])
try:
    iam.delete_policy(PolicyArn=p["Arn"])
except iam.exceptions.DeleteConflictException as e:
    print("DeleteConflict")
iam.delete_role_permissions_boundary(RoleName="lake-reader")
iam.detach_role_policy(RoleName="lake-reader", PolicyArn=p["Arn"])
iam.delete_role_policy(RoleName="lake-reader", PolicyName="inline")
iam.tag_role(RoleName="lake-reader", Tags=[{"Key": "env", "Value": "prod"}])
iam.untag_role(RoleName="lake-reader", TagKeys=["team"])
print(iam.list_role_tags(RoleName="lake-reader")["Tags"])
print([r["RoleName"] for r in iam.list_roles(PathPrefix="/lake/")["Roles"]])
iam.delete_role(RoleName="lake-reader")
iam.delete_policy_version(PolicyArn=p["Arn"], VersionId="v1")
iam.delete_policy(PolicyArn=p["Arn"])
print(len(iam.list_policies(Scope="Local")["Policies"]), len(iam.list_policies(Scope="AWS")["Policies"]) > 5)
`)
	require.NoError(t, err)
	want := `arn:aws:iam::111122223333:role/lake/lake-reader 7200 {'AWS': '111122223333'}
10800 [{'Key': 'team', 'Value': 'sec'}] reads the lake
s3:GetObject
['inline']
v1 v2
['v2', 'v1']
s3:*
['LakeRead']
['lake-reader']
True
DeleteConflict
[{'Key': 'env', 'Value': 'prod'}]
['lake-reader']
0 True
`
	require.Equal(t, want, out)
}
