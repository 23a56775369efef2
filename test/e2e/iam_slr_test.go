package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestServiceLinkedRolesOfTheGuides creates, with the aws CLI, the service-linked roles the Security Lake guides
// name, and refuses the reserved path to ordinary roles, as IAM does.
func TestServiceLinkedRolesOfTheGuides(t *testing.T) {
	s := startServer(t)
	for service, name := range map[string]string{
		"securitylake.amazonaws.com":                     "AWSServiceRoleForSecurityLake",
		"resource-management.securitylake.amazonaws.com": "AWSServiceRoleForSecurityLakeResourceManagement",
		"lakeformation.amazonaws.com":                    "AWSServiceRoleForLakeFormationDataAccess",
	} {
		var out struct {
			Role struct{ RoleName, Path, Arn string }
		}
		cliJSON(t, s, &out, "iam", "create-service-linked-role", "--aws-service-name", service)
		require.Equal(t, name, out.Role.RoleName)
		require.Equal(t, "/aws-service-role/"+service+"/", out.Role.Path)
		require.Equal(t, "arn:aws:iam::"+testAccount+":role/aws-service-role/"+service+"/"+name, out.Role.Arn)
		var attached struct{ AttachedPolicies []struct{ PolicyArn string } }
		cliJSON(t, s, &attached, "iam", "list-attached-role-policies", "--role-name", name)
		require.Len(t, attached.AttachedPolicies, 1, service)
		require.True(t, strings.HasPrefix(attached.AttachedPolicies[0].PolicyArn, "arn:aws:iam::aws:policy/aws-service-role/"))
	}

	trust, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]string{"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}}})
	_, err := s.aws(t, "iam", "create-role", "--role-name", "AWSServiceRoleForECS", "--path", "/aws-service-role/ecs.amazonaws.com/",
		"--assume-role-policy-document", string(trust))
	require.ErrorContains(t, err, "(InvalidInput)")
	require.ErrorContains(t, err, "Path prefix '/aws-service-role/' can only be used for AWS Service linked Roles")
	_, err = s.aws(t, "iam", "create-role", "--role-name", "SecurityLake_S3ReplicationRole_us_east_1", "--path", "/service-role/",
		"--assume-role-policy-document", strings.ReplaceAll(string(trust), "ecs", "s3"))
	require.NoError(t, err, "the replication role Security Lake manages is an ordinary service role")
}
