package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/stretchr/testify/require"

	"github.com/seclake/seclake/internal/api/icebergrest"
)

// icebergCall is one request to an endpoint of the Iceberg REST catalog (or, with target, a JSON 1.1 call).
type icebergCall struct {
	method, path, body string
	target             string
}

// icebergCalls are a request to each endpoint, by operation name. Those that change something name what does
// not exist, so an allowed caller changes nothing the next calls need.
func icebergCalls() map[string]icebergCall {
	cat := "/iceberg/v1/catalogs/" + testAccount + "/namespaces"
	tbl := cat + "/" + lakeDB + "/tables/amazon_security_lake_table_us_east_1_vpc_flow_2_0"
	return map[string]icebergCall{
		"GetConfig":             {method: "GET", path: "/iceberg/v1/config?warehouse=" + testAccount},
		"ListNamespaces":        {method: "GET", path: cat},
		"CreateNamespace":       {method: "POST", path: cat, body: `{"namespace":["authz_probe"],"properties":{}}`},
		"LoadNamespaceMetadata": {method: "GET", path: cat + "/" + lakeDB},
		"NamespaceExists":       {method: "HEAD", path: cat + "/" + lakeDB},
		"DropNamespace":         {method: "DELETE", path: cat + "/nope"},
		"UpdateNamespaceProperties": {method: "POST", path: cat + "/" + lakeDB + "/properties",
			body: `{"removals":["nope"],"updates":{"owner":"secops"}}`},
		"ListTables": {method: "GET", path: cat + "/" + lakeDB + "/tables"},
		"CreateTable": {method: "POST", path: cat + "/" + lakeDB + "/tables",
			body: `{"name":"authz_probe","schema":{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"a","type":"string","required":false}]}}`},
		"LoadTable":   {method: "GET", path: tbl},
		"TableExists": {method: "HEAD", path: tbl},
		"UpdateTable": {method: "POST", path: cat + "/" + lakeDB + "/tables/nope", body: `{"requirements":[],"updates":[]}`},
		"DropTable":   {method: "DELETE", path: cat + "/" + lakeDB + "/tables/nope"},
	}
}

// signedCall sends c signed with SigV4 for glue, and returns the status and the Iceberg error, if any.
func signedCall(t testing.TB, s *server, keyID, secret string, c icebergCall) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(c.method, s.URL+c.path, strings.NewReader(c.body))
	require.NoError(t, err)
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.target != "" {
		req.Header.Set("X-Amz-Target", c.target)
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	}
	sum := sha256.Sum256([]byte(c.body))
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds, err := credentials.NewStaticCredentialsProvider(keyID, secret, "").Retrieve(context.Background())
	require.NoError(t, err)
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "glue", testRegion, time.Now()))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var body struct{ Error map[string]any }
	if len(bytes.TrimSpace(b)) > 0 {
		require.NoError(t, json.Unmarshal(b, &body), "%.200s", b)
	}
	return resp.StatusCode, body.Error
}

// TestIcebergRESTEndpointsAreAuthorized: every endpoint of the Iceberg REST catalog (listed from the service, so
// a new one must be added here) refuses a user without a policy with 403 ForbiddenException naming the glue
// action it declares (HEAD answers carry no body), and serves a user allowed glue:*. boto3 has no model of
// these endpoints, so the authorization table test leaves them to this one.
func TestIcebergRESTEndpointsAreAuthorized(t *testing.T) {
	s := startServer(t)
	fillLake(t, s)
	calls := icebergCalls()
	ops := icebergrest.New(nil).Router.Ops()
	require.Len(t, calls, len(ops))
	nobodyKey, nobodySecret := createUserWithKey(t, s, "nobody")
	allowedKey, allowedSecret := createUserWithKey(t, s, "cataloger")
	_, err := iam.NewFromConfig(s.rootConfig()).PutUserPolicy(context.Background(), &iam.PutUserPolicyInput{
		UserName: aws.String("cataloger"), PolicyName: aws.String("glue"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"glue:*","Resource":"*"}]}`)})
	require.NoError(t, err)
	for _, op := range ops {
		c, ok := calls[op.Name]
		require.True(t, ok, "no request for %s", op.Name)
		status, e := signedCall(t, s, nobodyKey, nobodySecret, c)
		require.Equal(t, http.StatusForbidden, status, "%s as nobody", op.Name)
		if c.method != http.MethodHead {
			require.Equal(t, "ForbiddenException", e["type"], op.Name)
			require.EqualValues(t, http.StatusForbidden, e["code"], op.Name)
			require.Contains(t, e["message"], "perform: "+op.Action+" on resource", op.Name)
		}
		status, e = signedCall(t, s, allowedKey, allowedSecret, c)
		require.NotEqual(t, http.StatusForbidden, status, "%s as a user allowed glue:*: %v", op.Name, e)
		require.Less(t, status, 500, "%s: %v", op.Name, e)
	}
	// The answers of an allowed caller, in the Iceberg REST error model.
	status, e := signedCall(t, s, allowedKey, allowedSecret, calls["DropTable"])
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, "NoSuchTableException", e["type"])
	status, e = signedCall(t, s, allowedKey, allowedSecret, calls["DropNamespace"])
	require.Equal(t, http.StatusNotFound, status)
	require.Equal(t, "NoSuchNamespaceException", e["type"])
	status, e = signedCall(t, s, allowedKey, allowedSecret, calls["CreateNamespace"])
	require.Equal(t, http.StatusConflict, status, "created by the loop above")
	require.Equal(t, "AlreadyExistsException", e["type"])
	status, e = signedCall(t, s, allowedKey, allowedSecret, icebergCall{method: "POST", path: "/iceberg/v1/catalogs/" +
		testAccount + "/namespaces/" + lakeDB + "/tables/amazon_security_lake_table_us_east_1_vpc_flow_2_0",
		body: `{"requirements":[{"type":"assert-table-uuid","uuid":"00000000-0000-0000-0000-000000000000"}],"updates":[]}`})
	require.Equal(t, http.StatusConflict, status)
	require.Equal(t, "CommitFailedException", e["type"])
	status, _ = signedCall(t, s, "AKIANOSUCHKEY0000000", "x", calls["ListNamespaces"])
	require.Equal(t, http.StatusUnauthorized, status)
}
