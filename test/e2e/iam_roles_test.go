package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/require"
)

func TestServiceLinkedRolesOfSecurityLake(t *testing.T) {
	s := startServer(t)
	out, err := s.aws(t, "iam", "create-service-linked-role", "--aws-service-name", "securitylake.amazonaws.com")
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
	require.Equal(t, "AWSServiceRoleForSecurityLake", res.Role.RoleName)
	require.Equal(t, "/aws-service-role/securitylake.amazonaws.com/", res.Role.Path)
	slr := "arn:aws:iam::" + testAccount + ":role/aws-service-role/securitylake.amazonaws.com/AWSServiceRoleForSecurityLake"
	require.Equal(t, slr, res.Role.Arn)
	require.Equal(t, "securitylake.amazonaws.com", res.Role.AssumeRolePolicyDocument.Statement[0].Principal.Service)

	ctx := context.Background()
	c := iam.NewFromConfig(s.rootConfig())
	rm, err := c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("resource-management.securitylake.amazonaws.com")})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:iam::"+testAccount+":role/aws-service-role/resource-management.securitylake.amazonaws.com/AWSServiceRoleForSecurityLakeResourceManagement",
		aws.ToString(rm.Role.Arn))
	_, err = c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("securitylake.amazonaws.com")})
	require.Equal(t, "InvalidInput", apiCode(t, err))
	require.ErrorContains(t, err, "Service role name AWSServiceRoleForSecurityLake has been taken in this account, please try a different suffix.")
	attached, err := c.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("AWSServiceRoleForSecurityLake")})
	require.NoError(t, err)
	require.Equal(t, "arn:aws:iam::aws:policy/aws-service-role/SecurityLakeServiceLinkedRole", aws.ToString(attached.AttachedPolicies[0].PolicyArn))

	// Only the service changes its role.
	_, err = c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("AWSServiceRoleForSecurityLake"), PolicyName: aws.String("x"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
	require.Equal(t, "UnmodifiableEntity", apiCode(t, err))
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("AWSServiceRoleForSecurityLake")})
	require.ErrorContains(t, err, "Cannot perform the operation on the protected role 'AWSServiceRoleForSecurityLake' - this role is only modifiable by AWS")

	// Policies may name the roles by their real ARNs; the guide's misspelt Lake Formation role does not exist.
	trust := func(principal string) *string {
		return aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}]}`)
	}
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("trusts-slr"), AssumeRolePolicyDocument: trust(slr)})
	require.NoError(t, err)
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("typo"),
		AssumeRolePolicyDocument: trust("arn:aws:iam::" + testAccount + ":role/aws-service-role/lakeformation.amazonaws.com/AWSServiceRoleForLakeFormatinoDataAccess")})
	require.Equal(t, "MalformedPolicyDocument", apiCode(t, err))
	require.ErrorContains(t, err, "Invalid principal in policy")

	del, err := c.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: aws.String("AWSServiceRoleForSecurityLakeResourceManagement")})
	require.NoError(t, err)
	task := aws.ToString(del.DeletionTaskId)
	require.True(t, strings.HasPrefix(task, "task/aws-service-role/resource-management.securitylake.amazonaws.com/AWSServiceRoleForSecurityLakeResourceManagement/"), task)
	st, err := c.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: aws.String(task)})
	require.NoError(t, err)
	require.Equal(t, "SUCCEEDED", string(st.Status))
}

func TestRoleTrustPolicyErrorsPointAtTheFault(t *testing.T) {
	s := startServer(t)
	// The Security Lake guide's replication statement writes "AWS:" for "AWS".
	_, err := s.aws(t, "iam", "create-role", "--role-name", "replication", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Sid":"Replication","Effect":"Allow","Principal":{"AWS:":"arn:aws:iam::`+testAccount+`:root"},"Action":"sts:AssumeRole"}]}`)
	require.ErrorContains(t, err, "MalformedPolicyDocument")
	require.ErrorContains(t, err, `statement 0 (Sid "Replication")`)
	require.ErrorContains(t, err, `did you mean "AWS"?`)

	_, err = iam.NewFromConfig(s.rootConfig()).CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String("cond"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + testAccount + `"},"Action":"sts:AssumeRole","Condition":{"StringEqualz":{"sts:ExternalId":"x"}}}]}`)})
	require.Equal(t, "MalformedPolicyDocument", apiCode(t, err))
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
