package app

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/iam"
	"github.com/seclake/seclake/internal/stack"
)

// bootstrap is the component that creates the management account and its root access key on first start
// (and checks the pinned identity on later starts), and prepares the notice that tells the operator where the
// credentials are.
func (s *Server) bootstrap(opt Options) component.Component {
	return component.Component{
		Name:  "bootstrap",
		Needs: []string{stack.NameIAM},
		Start: func(ctx context.Context) error {
			res, err := s.stack.IAM.Bootstrap(ctx, iam.BootstrapInput{
				AccountID:       getenv(opt, "SECLAKE_ACCOUNT_ID"),
				AccessKeyID:     getenv(opt, "SECLAKE_ROOT_ACCESS_KEY_ID"),
				SecretAccessKey: getenv(opt, "SECLAKE_ROOT_SECRET_ACCESS_KEY"),
			})
			if err != nil {
				return fmt.Errorf("bootstrap: %w", err)
			}
			s.AccountID = res.Account.ID
			if !res.Created {
				s.log.Info("management account", "account", res.Account.ID)
				return nil
			}
			path, err := writeCredentials(s.cfg.DataDir, res.AccessKeyID, res.Secret)
			if err != nil {
				return err
			}
			s.log.Info("created management account and its root access key", "account", res.Account.ID, "access_key_id", res.AccessKeyID, "credentials", path)
			s.notice = fmt.Sprintf(`
seclake created the management account %s and its root access key.
The key is in %s (profile "seclake"); this notice is shown once. To use it:

  export AWS_SHARED_CREDENTIALS_FILE=%s AWS_PROFILE=seclake AWS_DEFAULT_REGION=%s
  aws --endpoint-url %s sts get-caller-identity

`, res.Account.ID, path, absPath(path), s.cfg.Region, "%s")
			return nil
		},
	}
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}
