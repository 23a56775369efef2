// Package athena serves Amazon Athena (JSON 1.1, X-Amz-Target AmazonAthena.<Op>) over the athena domain
// service: query executions and their results, work groups, named queries, and the data catalog's databases
// and tables.
package athena

import (
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/athena"
	"github.com/seclake/seclake/internal/awsproto"
)

// TargetPrefix is Athena's X-Amz-Target prefix.
const TargetPrefix = "AmazonAthena"

// New returns the Athena service.
func New(svc *athena.Service) *api.Service {
	h := &handler{svc: svc}
	return &api.Service{
		Name:         "athena",
		EventSource:  athena.EventSource,
		Protocol:     awsproto.JSON11,
		TargetPrefix: TargetPrefix,
		Ops: api.Ops(
			api.JSON("StartQueryExecution", "athena:StartQueryExecution", false, h.startQueryExecution),
			api.JSON("GetQueryExecution", "athena:GetQueryExecution", true, h.getQueryExecution),
			api.JSON("BatchGetQueryExecution", "athena:BatchGetQueryExecution", true, h.batchGetQueryExecution),
			api.JSON("ListQueryExecutions", "athena:ListQueryExecutions", true, h.listQueryExecutions),
			api.JSON("StopQueryExecution", "athena:StopQueryExecution", false, h.stopQueryExecution),
			api.JSON("GetQueryResults", "athena:GetQueryResults", true, h.getQueryResults),
			api.JSON("CreateWorkGroup", "athena:CreateWorkGroup", false, h.createWorkGroup),
			api.JSON("GetWorkGroup", "athena:GetWorkGroup", true, h.getWorkGroup),
			api.JSON("ListWorkGroups", "athena:ListWorkGroups", true, h.listWorkGroups),
			api.JSON("UpdateWorkGroup", "athena:UpdateWorkGroup", false, h.updateWorkGroup),
			api.JSON("DeleteWorkGroup", "athena:DeleteWorkGroup", false, h.deleteWorkGroup),
			api.JSON("CreateNamedQuery", "athena:CreateNamedQuery", false, h.createNamedQuery),
			api.JSON("GetNamedQuery", "athena:GetNamedQuery", true, h.getNamedQuery),
			api.JSON("BatchGetNamedQuery", "athena:BatchGetNamedQuery", true, h.batchGetNamedQuery),
			api.JSON("ListNamedQueries", "athena:ListNamedQueries", true, h.listNamedQueries),
			api.JSON("DeleteNamedQuery", "athena:DeleteNamedQuery", false, h.deleteNamedQuery),
			api.JSON("ListDataCatalogs", "athena:ListDataCatalogs", true, h.listDataCatalogs),
			api.JSON("GetDataCatalog", "athena:GetDataCatalog", true, h.getDataCatalog),
			api.JSON("ListDatabases", "athena:ListDatabases", true, h.listDatabases),
			api.JSON("GetDatabase", "athena:GetDatabase", true, h.getDatabase),
			api.JSON("ListTableMetadata", "athena:ListTableMetadata", true, h.listTableMetadata),
			api.JSON("GetTableMetadata", "athena:GetTableMetadata", true, h.getTableMetadata),
		),
	}
}

type handler struct{ svc *athena.Service }

// empty is the output of operations that return nothing.
type empty struct{}

func ts(t time.Time) *awsproto.Timestamp {
	if t.IsZero() {
		return nil
	}
	x := awsproto.Timestamp(t)
	return &x
}

type encryptionConfiguration struct {
	EncryptionOption string
	KmsKey           string `json:",omitempty"`
}

type aclConfiguration struct{ S3AclOption string }

type resultConfiguration struct {
	OutputLocation          string                   `json:",omitempty"`
	EncryptionConfiguration *encryptionConfiguration `json:",omitempty"`
	ExpectedBucketOwner     string                   `json:",omitempty"`
	AclConfiguration        *aclConfiguration        `json:",omitempty"`
}

func (r *resultConfiguration) domain() athena.ResultConfig {
	if r == nil {
		return athena.ResultConfig{}
	}
	out := athena.ResultConfig{OutputLocation: r.OutputLocation, ExpectedBucketOwner: r.ExpectedBucketOwner,
		Encryption: encryptionIn(r.EncryptionConfiguration)}
	if r.AclConfiguration != nil {
		out.ACL = r.AclConfiguration.S3AclOption
	}
	return out
}

func encryptionIn(e *encryptionConfiguration) *athena.Encryption {
	if e == nil {
		return nil
	}
	return &athena.Encryption{Option: e.EncryptionOption, KMSKey: e.KmsKey}
}

func resultOut(r athena.ResultConfig) *resultConfiguration {
	out := &resultConfiguration{OutputLocation: r.OutputLocation, ExpectedBucketOwner: r.ExpectedBucketOwner}
	if e := r.Encryption; e != nil {
		out.EncryptionConfiguration = &encryptionConfiguration{EncryptionOption: e.Option, KmsKey: e.KMSKey}
	}
	if r.ACL != "" {
		out.AclConfiguration = &aclConfiguration{S3AclOption: r.ACL}
	}
	return out
}

type unprocessed struct {
	ErrorCode, ErrorMessage string
}

type engineVersion struct {
	SelectedEngineVersion, EffectiveEngineVersion string
}

func version(v string) *engineVersion {
	if v == "" || v == "AUTO" {
		v = athena.DefaultEngineVersion
	}
	return &engineVersion{SelectedEngineVersion: "AUTO", EffectiveEngineVersion: v}
}

type nextPage struct {
	NextToken  string
	MaxResults int
	WorkGroup  string
}
