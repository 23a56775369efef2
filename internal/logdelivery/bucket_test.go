package logdelivery

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWithStatementsMergesAsAWSDoes(t *testing.T) {
	a := Destination{Account: "111122223333", Region: "us-east-1", Bucket: "logs", Folder: "AWSLogs/111122223333/"}
	doc, err := WithStatements(`{"Version":"2012-10-17","Statement":{"Sid":"Mine","Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::logs/*"}}`, a)
	require.NoError(t, err)
	b := a
	b.Folder = "nfw/AWSLogs/111122223333/"
	doc, err = WithStatements(doc, b)
	require.NoError(t, err)
	doc, err = WithStatements(doc, b) // again: nothing new
	require.NoError(t, err)
	other := Destination{Account: "444455556666", Region: "us-east-1", Bucket: "logs", Folder: "AWSLogs/444455556666/"}
	doc, err = WithStatements(doc, other)
	require.NoError(t, err)

	var pol struct {
		Statement []struct {
			Sid      string
			Resource any
		}
	}
	require.NoError(t, json.Unmarshal([]byte(doc), &pol))
	got := map[string]any{}
	for _, s := range pol.Statement {
		got[s.Sid] = s.Resource
	}
	require.Equal(t, map[string]any{
		"Mine":                    "arn:aws:s3:::logs/*",
		"AWSLogDeliveryWrite":     []any{"arn:aws:s3:::logs/AWSLogs/111122223333/*", "arn:aws:s3:::logs/nfw/AWSLogs/111122223333/*"},
		"AWSLogDeliveryAclCheck":  "arn:aws:s3:::logs",
		"AWSLogDeliveryWrite2":    "arn:aws:s3:::logs/AWSLogs/444455556666/*",
		"AWSLogDeliveryAclCheck2": "arn:aws:s3:::logs",
	}, got)
}
