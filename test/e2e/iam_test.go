package e2e

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/stretchr/testify/require"
)

// createUserWithKey creates an IAM user with the CLI and returns its new access key.
func createUserWithKey(t *testing.T, s *server, name string) (keyID, secret string) {
	t.Helper()
	out, err := s.aws(t, "iam", "create-user", "--user-name", name)
	require.NoError(t, err)
	var u struct {
		User struct{ UserName, Arn, UserId string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &u))
	require.Equal(t, name, u.User.UserName)
	require.Equal(t, "arn:aws:iam::"+testAccount+":user/"+name, u.User.Arn)
	require.Regexp(t, `^AIDA[A-Z2-7]{17}$`, u.User.UserId)

	out, err = s.aws(t, "iam", "create-access-key", "--user-name", name)
	require.NoError(t, err)
	var k struct {
		AccessKey struct{ AccessKeyId, SecretAccessKey, Status, UserName string }
	}
	require.NoError(t, json.Unmarshal([]byte(out), &k))
	require.Equal(t, "Active", k.AccessKey.Status)
	require.Len(t, k.AccessKey.SecretAccessKey, 40)
	return k.AccessKey.AccessKeyId, k.AccessKey.SecretAccessKey
}

func TestIAMUsersAndAccessKeys(t *testing.T) {
	s := startServer(t)
	keyID, secret := createUserWithKey(t, s, "alice")

	// The user authenticates as itself.
	out, err := s.awsAs(t, keyID, secret, "", "sts", "get-caller-identity")
	require.NoError(t, err)
	require.Contains(t, out, `"Arn": "arn:aws:iam::`+testAccount+`:user/alice"`)

	// Without any policy, everything but GetCallerIdentity is denied, with AWS's wording.
	_, err = s.awsAs(t, keyID, secret, "", "iam", "create-user", "--user-name", "mallory")
	require.ErrorContains(t, err, "AccessDenied")
	require.ErrorContains(t, err, "User: arn:aws:iam::"+testAccount+":user/alice is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::"+testAccount+":user/mallory")

	// Errors the model defines.
	_, err = s.aws(t, "iam", "create-user", "--user-name", "alice")
	require.ErrorContains(t, err, "EntityAlreadyExists")
	_, err = s.aws(t, "iam", "get-user", "--user-name", "nobody")
	require.ErrorContains(t, err, "NoSuchEntity")
	_, err = s.aws(t, "iam", "delete-user", "--user-name", "alice")
	require.ErrorContains(t, err, "DeleteConflict")
	_, err = s.aws(t, "iam", "create-access-key", "--user-name", "alice")
	require.NoError(t, err)
	_, err = s.aws(t, "iam", "create-access-key", "--user-name", "alice")
	require.ErrorContains(t, err, "LimitExceeded")

	// boto3 lists the keys.
	out, err = s.python(t, testKeyID, testSecret, `
import boto3, os
iam = boto3.client("iam", endpoint_url=os.environ["ENDPOINT"])
keys = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]
print(len(keys), sorted(k["Status"] for k in keys))
print([u["UserName"] for u in iam.list_users()["Users"]])
`)
	require.NoError(t, err)
	require.Equal(t, "2 ['Active', 'Active']\n['alice']\n", out)
}

func TestDeactivatedAndDeletedKeysAreRefusedAtOnce(t *testing.T) {
	s := startServer(t)
	keyID, secret := createUserWithKey(t, s, "bob")
	ctx := context.Background()
	asBob := sts.NewFromConfig(s.sdkConfig(keyID, secret, ""))
	_, err := asBob.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)

	root := iam.NewFromConfig(s.rootConfig())
	_, err = root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(keyID), Status: "Inactive"})
	require.NoError(t, err)
	_, err = asBob.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.Equal(t, "InvalidClientTokenId", apiCode(t, err))

	_, err = root.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(keyID), Status: "Active"})
	require.NoError(t, err)
	_, err = asBob.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.NoError(t, err)

	_, err = root.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(keyID)})
	require.NoError(t, err)
	_, err = asBob.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	require.Equal(t, "InvalidClientTokenId", apiCode(t, err))
	_, err = root.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")})
	require.NoError(t, err)
}
