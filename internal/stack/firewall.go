package stack

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/eve"
	"github.com/seclake/seclake/internal/firewall"
)

// firewalls is Network Firewall: the firewalls and their logs, with the EVE inputs EVEListen and EVEFile name.
// Like flows, the lines a node receives are its own to publish.
func (s *Stack) firewalls() component.Component {
	return component.Component{
		Name:  NameFirewall,
		Needs: []string{NameStores, NameIAM, NameKMS, NameObjects, NameLogs},
		Start: func(context.Context) error {
			svc, err := firewall.New(firewall.Config{Store: s.Meta, Authz: s.IAM, Objects: s.Objects, Keys: s.KMS, Delivery: s.Delivery,
				Clock: s.cfg.Clock, Rand: s.cfg.Rand, Logger: s.cfg.Logger.With("service", "network-firewall"), Region: s.cfg.Region,
				PublishInterval: s.cfg.FirewallPublishInterval, Safe: s.checkpointEVE})
			if err != nil {
				return err
			}
			s.Firewalls = svc
			svc.Start()
			if err := s.startEVE(svc); err != nil {
				s.stopEVE(context.Background())
				svc.Stop()
				return err
			}
			return nil
		},
		Stop: func(ctx context.Context) error {
			err := s.stopEVE(ctx)
			s.Firewalls.Stop() // publishes what was recorded, then checkpoints the tailed file
			return err
		},
	}
}

// startEVE opens the EVE inputs the configuration names.
func (s *Stack) startEVE(svc *firewall.Service) error {
	log := s.cfg.Logger.With("service", "eve")
	if s.cfg.EVEListen != "" {
		l, err := eve.Listen(s.cfg.EVEListen, svc.Observe, log)
		if err != nil {
			return fmt.Errorf("EVE input: %w", err)
		}
		s.EVEListener = l
		s.cfg.Logger.Info("receiving Suricata EVE lines", "addr", l.Addr().String())
	}
	if s.cfg.EVEFile != "" {
		host, err := os.Hostname()
		if err != nil || host == "" {
			host = "seclake"
		}
		t, err := eve.TailFile(s.cfg.EVEFile, host, svc.Observe, s.Meta, s.cfg.Clock, log)
		if err != nil {
			return fmt.Errorf("EVE input: %w", err)
		}
		s.EVETail = t
		s.cfg.Logger.Info("following Suricata's eve.json", "path", s.cfg.EVEFile)
	}
	return nil
}

func (s *Stack) stopEVE(ctx context.Context) error {
	var errs []error
	if s.EVEListener != nil {
		errs = append(errs, s.EVEListener.Close(ctx))
	}
	if s.EVETail != nil {
		errs = append(errs, s.EVETail.Close(ctx))
	}
	return errors.Join(errs...)
}

// checkpointEVE records how far the tailed eve.json has been read safely.
func (s *Stack) checkpointEVE(ctx context.Context, before time.Time) {
	if s.EVETail == nil {
		return
	}
	if err := s.EVETail.Checkpoint(ctx, before); err != nil {
		s.cfg.Logger.Warn("eve: checkpoint", "path", s.cfg.EVEFile, "err", err)
	}
}
