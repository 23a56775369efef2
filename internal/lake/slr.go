package lake

import (
	"context"
	"strings"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/meta"
	"github.com/seclake/seclake/internal/table"
)

// serviceLinkedServices are the services whose service-linked roles Security Lake creates with a data lake, as on
// AWS (AWSServiceRoleForSecurityLake and AWSServiceRoleForSecurityLakeResourceManagement): the first guide's
// key policy names them, and KMS refuses a policy that names a role that does not exist.
var serviceLinkedServices = []string{"securitylake.amazonaws.com", "resource-management.securitylake.amazonaws.com"}

// ensureServiceLinkedRoles creates Security Lake's service-linked roles in the lake's account if they are absent.
func (s *Service) ensureServiceLinkedRoles(ctx context.Context, owner *actor.Caller) *failure {
	if s.cfg.Roles == nil {
		return nil
	}
	for _, svc := range serviceLinkedServices {
		if _, err := s.cfg.Roles.EnsureServiceLinkedRole(ctx, owner, svc); err != nil {
			return failed(err, "Check that the account may create the service-linked role of "+svc+
				" (iam:CreateServiceLinkedRole), then call UpdateDataLake again.")
		}
	}
	return nil
}

// Sessions gives the sessions of Security Lake's resource-management service-linked role
// (AWSServiceRoleForSecurityLakeResourceManagement) for a lake: nil (and no error) when the account has none.
type Sessions interface {
	ResourceManagementSession(ctx context.Context, account, region string, src actor.Source) (*actor.Caller, error)
}

// lakeCaller returns who the lake reads and writes its bucket as, as the tables do (package table): a session
// of the account's resource-management role when it exists, else the Security Lake service principal; and
// whether it is the role.
func (s *Service) lakeCaller(ctx context.Context, dl DataLake) (*actor.Caller, bool) {
	src := actor.Source{ARN: dl.ARN, Account: dl.Account}
	if s.cfg.Sessions != nil {
		if c, err := s.cfg.Sessions.ResourceManagementSession(ctx, dl.Account, dl.Region, src); err == nil && c != nil {
			return c, true
		}
	}
	return actor.ServicePrincipal(EventSource, dl.Region, s.cfg.Clock.Now(), src), false
}

// slrRoleName is the name of Security Lake's resource-management service-linked role.
const slrRoleName = "AWSServiceRoleForSecurityLakeResourceManagement"

// slrSid is the Sid of the first guide's key-policy statement for the resource-management role.
const slrSid = "Allow SLR"

// keyStatement returns the Sid and the key-policy statement that lets the lake's caller use its key through S3,
// with the bucket as encryption context (S3 Bucket Keys): the first guide's "Allow SLR" statement for the
// resource-management role, or a statement for the service principal of a lake made without the control plane.
func keyStatement(dl DataLake, bucket string, slr bool) (sid, stmt string) {
	if slr {
		return slrSid, `{"Sid":"` + slrSid + `","Effect":"Allow","Principal":{"AWS":"` + table.ResourceManagementRoleARN(dl.Account) + `"},` +
			`"Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*","Condition":{` +
			`"StringEquals":{"kms:EncryptionContext:aws:s3:arn":"arn:aws:s3:::` + bucket + `"},` +
			`"StringLike":{"kms:ViaService":"s3.` + dl.Region + `.amazonaws.com"}}}`
	}
	const spSid = "Allow Security Lake To Use The Key"
	return spSid, `{"Sid":"` + spSid + `","Effect":"Allow","Principal":{"Service":"` + EventSource + `"},` +
		`"Action":["kms:GenerateDataKey*","kms:Decrypt"],"Resource":"*","Condition":{"StringEquals":{"aws:SourceAccount":"` + dl.Account + `"}}}`
}

// slrKeyStatement returns, for a key's refusal of the lake's resource-management role, the guide's "Allow SLR"
// statement for the lake (its bucket and region); "" for any other problem.
func (s *Service) slrKeyStatement(ctx context.Context, p Problem) string {
	if p.Kind != ProblemRefused || !strings.HasPrefix(p.Action, "kms:") ||
		!strings.Contains(p.Principal, ":assumed-role/"+slrRoleName+"/") {
		return ""
	}
	dl, found, err := s.dataLake(ctx, p.Account, p.Region)
	if err != nil || !found || dl.BucketARN == "" {
		return ""
	}
	_, stmt := keyStatement(dl, bucketName(dl.BucketARN), true)
	return stmt
}

// dataLake returns the record of account's data lake in region, and whether there is one.
func (s *Service) dataLake(ctx context.Context, account, region string) (DataLake, bool, error) {
	var dl DataLake
	found := false
	err := s.cfg.Store.View(ctx, func(tx meta.Tx) error {
		var err error
		found, err = getJSON(tx, tableLakes, key(account, region), &dl)
		return err
	})
	return dl, found, err
}
