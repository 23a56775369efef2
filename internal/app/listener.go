package app

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/api"
	athenaapi "github.com/seclake/seclake/internal/api/athena"
	"github.com/seclake/seclake/internal/api/cloudtrail"
	ec2api "github.com/seclake/seclake/internal/api/ec2"
	eventsapi "github.com/seclake/seclake/internal/api/events"
	glueapi "github.com/seclake/seclake/internal/api/glue"
	iamapi "github.com/seclake/seclake/internal/api/iam"
	"github.com/seclake/seclake/internal/api/icebergrest"
	ingestapi "github.com/seclake/seclake/internal/api/ingest"
	kmsapi "github.com/seclake/seclake/internal/api/kms"
	lakeformationapi "github.com/seclake/seclake/internal/api/lakeformation"
	"github.com/seclake/seclake/internal/api/networkfirewall"
	"github.com/seclake/seclake/internal/api/organizations"
	ramapi "github.com/seclake/seclake/internal/api/ram"
	securitylakeapi "github.com/seclake/seclake/internal/api/securitylake"
	sqsapi "github.com/seclake/seclake/internal/api/sqs"
	"github.com/seclake/seclake/internal/api/sts"
	"github.com/seclake/seclake/internal/component"
	"github.com/seclake/seclake/internal/edge"
	"github.com/seclake/seclake/internal/meta"
)

// listener is the component that serves the edge port: the AWS APIs on api and all nodes, and seclake's
// own endpoints (/_seclake/health, /metrics, /jobs) on every node. It starts last and stops first, letting
// in-flight requests finish.
func (s *Server) listener(needs []string) component.Component {
	return component.Component{
		Name:  "listener",
		Needs: needs,
		Start: func(context.Context) error {
			h, err := s.handler()
			if err != nil {
				return err
			}
			return s.listen(h)
		},
		Stop: func(ctx context.Context) error {
			if err := s.http.Shutdown(ctx); err != nil {
				return fmt.Errorf("finish in-flight requests: %w", err)
			}
			return nil
		},
	}
}

// handler builds the edge with every service, or, on a worker node, with none.
func (s *Server) handler() (http.Handler, error) {
	st := s.stack
	var services []*api.Service
	serveAPI := s.target.Runs(component.API)
	if serveAPI {
		services = []*api.Service{
			sts.New(st.IAM),
			iamapi.New(st.IAM),
			organizations.New(st.IAM),
			cloudtrail.New(st.Trails),
			kmsapi.New(st.KMS),
			s3API(s.cfg, st.Objects),
			ec2api.New(st.FlowLogs),
			networkfirewall.New(st.Firewalls),
			sqsapi.New(st.Queues),
			eventsapi.New(st.Events),
			securitylakeapi.New(st.SecurityLake),
			ingestapi.New(st.Locations, st.SecurityLake),
			athenaapi.New(st.Athena),
		}
		// Glue: its Data Catalog API, and its Iceberg REST catalog under /iceberg/ (same signing name).
		// (the stack's catalog consults Lake Formation's grants for readers of other accounts).
		services = append(services, glueapi.New(st.Catalog), icebergrest.New(st.Catalog),
			lakeformationapi.New(st.LakeFormation), ramapi.New(st.RAM))
	}
	h, err := edge.New(edge.Config{
		Services: services,
		Identity: st.IAM,
		Audit:    st.Recorder,
		Clock:    s.clock,
		Logger:   s.log,
		Registry: s.metrics,
		Gatherer: s.metrics,
		Health:   s.health,
		Jobs:     s.jobs,
		Region:   s.cfg.Region,
	})
	s.services = services
	if err != nil || serveAPI {
		return h, err
	}
	return workerOnly(h), nil
}

// workerOnly serves seclake's own endpoints and refuses every other request: a worker node runs background
// jobs and does not serve the AWS APIs.
func workerOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_seclake/") {
			h.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusMisdirectedRequest)
		fmt.Fprintln(w, "This seclake node runs background jobs only (--target worker) and does not serve the AWS APIs: send requests to a node started with --target api or all.")
	})
}

func (s *Server) health(ctx context.Context) error {
	return s.stack.Meta.View(ctx, func(tx meta.Tx) error {
		_, err := tx.Get(tableInfo, "rootkey-check")
		return err
	})
}

func (s *Server) listen(h http.Handler) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w; is another seclake running? pass --listen to use another address", s.cfg.Listen, err)
	}
	s.ln = ln
	s.http = &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	if s.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		s.http.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, s.http.TLSConfig)
	}
	go func() { s.served <- s.http.Serve(ln) }()
	s.log.Info("seclake is serving", "url", s.URL(), "target", s.target, "data", s.cfg.DataDir, "meta", s.metaName(), "blob", s.blobName)
	return nil
}

func (s *Server) metaName() string {
	if s.cfg.Meta == "" {
		return "sqlite:" + filepath.Join(s.cfg.DataDir, metaFile)
	}
	return s.cfg.RedactedMeta()
}
