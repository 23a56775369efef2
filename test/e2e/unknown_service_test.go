package e2e

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestUnservedServiceAnswersInItsProtocol calls services seclake does not serve (yet) with the aws CLI: each
// answer is an error in the service's own protocol, which the CLI prints as a sentence, not raw XML.
func TestUnservedServiceAnswersInItsProtocol(t *testing.T) {
	s := startServer(t)
	for _, args := range [][]string{
		{"kafka", "list-clusters"},                             // REST-JSON, a GET without a body
		{"firehose", "list-delivery-streams"},                  // JSON 1.1
		{"detective", "list-graphs"},                           // REST-JSON, a POST
		{"sns", "list-topics"},                                 // Query
		{"logs", "describe-log-groups"},                        // JSON 1.1
		{"ssm", "describe-parameters"},                         // JSON 1.1
		{"route53resolver", "list-resolver-query-log-configs"}, // JSON 1.1
		{"guardduty", "list-detectors"},                        // REST-JSON
		{"macie2", "list-findings"},                            // REST-JSON
	} {
		_, err := s.aws(t, args...)
		require.Error(t, err, "%v", args)
		require.ErrorContains(t, err, "(UnknownServiceException)", "%v", args)
		require.ErrorContains(t, err, "seclake does not serve", "%v", args)
		require.NotContains(t, err.Error(), "<?xml", "%v", args)
		require.NotContains(t, err.Error(), "<Error>", "%v", args)
	}
}

// TestAWSEndpointURLPointsUnchangedScripts shows what the README says: AWS_ENDPOINT_URL alone points the aws
// CLI (and boto3) at seclake, with no --endpoint-url in the script.
func TestAWSEndpointURLPointsUnchangedScripts(t *testing.T) {
	requireTool(t, "aws")
	s := startServer(t)
	cmd := exec.Command("aws", "sts", "get-caller-identity", "--output", "text", "--query", "Account")
	cmd.Env = append(cliEnv(testKeyID, testSecret, ""), "AWS_ENDPOINT_URL="+s.URL)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Equal(t, testAccount, strings.TrimSpace(string(out)))
	got, err := s.python(t, testKeyID, testSecret, `import boto3, os
os.environ["AWS_ENDPOINT_URL"] = os.environ["ENDPOINT"]
print(boto3.client("sts").get_caller_identity()["Account"])`)
	require.NoError(t, err)
	require.Equal(t, testAccount, strings.TrimSpace(got))
}
