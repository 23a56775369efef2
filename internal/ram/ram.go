// Package ram is AWS Resource Access Manager as Lake Formation uses it: resource shares of an account's Glue
// resources with other accounts, organizations and organizational units, the invitations of accounts outside
// the owner's organization (or of any account while sharing with AWS Organizations is off), and automatic
// acceptance within an organization where the management account enabled sharing.
//
// A share is one record (table ram.shares, key owner/region/id) holding its resource and principal
// associations; invitations are records of their receiver (ram.invitations, key receiver/id); the
// organization's sharing switch is ram.settings "org". Every operation authorizes its ram:* action.
package ram

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/seclake/seclake/internal/actor"
	"github.com/seclake/seclake/internal/awserr"
	"github.com/seclake/seclake/internal/clock"
	"github.com/seclake/seclake/internal/meta"
)

// EventSource is RAM's eventSource on the audit trail.
const EventSource = "ram.amazonaws.com"

const (
	tableShares      = "ram.shares"
	tableInvitations = "ram.invitations"
	tableSettings    = "ram.settings"
)

// Organization answers what RAM needs of AWS Organizations.
type Organization interface {
	// Management is the organization's management account ("" without an organization).
	Management(ctx context.Context) (string, error)
	// Path is the organization of account and its path "o-…/r-…/ou-…/" ("", "" outside the organization).
	Path(ctx context.Context, account string) (orgID, path string, err error)
}

// Config configures RAM.
type Config struct {
	Store  meta.Store
	Authz  actor.Authorizer
	Orgs   Organization
	Clock  clock.Clock
	Rand   io.Reader
	Region string
}

// Service is AWS RAM.
type Service struct{ cfg Config }

// New returns RAM over cfg.
func New(cfg Config) *Service {
	if cfg.Clock == nil {
		cfg.Clock = clock.System
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return &Service{cfg: cfg}
}

// Statuses of shares, associations and invitations, as RAM spells them.
const (
	StatusActive        = "ACTIVE"
	StatusDeleted       = "DELETED"
	StatusAssociating   = "ASSOCIATING"
	StatusAssociated    = "ASSOCIATED"
	StatusDisassociated = "DISASSOCIATED"
	InvitationPending   = "PENDING"
	InvitationAccepted  = "ACCEPTED"
	InvitationRejected  = "REJECTED"
	TypePrincipal       = "PRINCIPAL"
	TypeResource        = "RESOURCE"
	OwnerSelf           = "SELF"
	OwnerOthers         = "OTHER-ACCOUNTS"
)

// Share is a resource share and its associations.
type Share struct {
	ARN           string        `json:"arn"`
	Name          string        `json:"name"`
	Owner         string        `json:"owner"`
	Region        string        `json:"region"`
	AllowExternal bool          `json:"allowExternal"`
	Status        string        `json:"status"`
	Tags          []Tag         `json:"tags,omitempty"`
	Created       time.Time     `json:"created"`
	Updated       time.Time     `json:"updated"`
	Resources     []Association `json:"resources,omitempty"`
	Principals    []Association `json:"principals,omitempty"`
}

// Tag is a share's tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Association is a resource or principal associated with a share.
type Association struct {
	ShareARN  string    `json:"shareArn"`
	ShareName string    `json:"shareName"`
	Entity    string    `json:"entity"`
	Type      string    `json:"type"`
	Status    string    `json:"status"`
	Message   string    `json:"message,omitempty"`
	External  bool      `json:"external"`
	Created   time.Time `json:"created"`
	Updated   time.Time `json:"updated"`
}

// Invitation is an invitation of an account to a share.
type Invitation struct {
	ARN       string    `json:"arn"`
	ShareARN  string    `json:"shareArn"`
	ShareName string    `json:"shareName"`
	Sender    string    `json:"sender"`
	Receiver  string    `json:"receiver"`
	Status    string    `json:"status"`
	Time      time.Time `json:"time"`
}

// RAM's errors.
func errParam(format string, args ...any) error {
	return awserr.New("InvalidParameterException", awserr.StatusBadRequest, format, args...)
}

func errMalformed(arn string) error {
	return awserr.New("MalformedArnException", awserr.StatusBadRequest, "The ARN %s is malformed: give the full ARN RAM returned.", arn)
}

func errUnknown(format string, args ...any) error {
	return awserr.New("UnknownResourceException", awserr.StatusBadRequest, format, args...)
}

func errNotPermitted(format string, args ...any) error {
	return awserr.New("OperationNotPermittedException", awserr.StatusBadRequest, format, args...)
}

var refusal = actor.Refusal{Code: "AccessDeniedException", Status: awserr.StatusForbidden}

// check authorizes c for action on resource.
func (s *Service) check(ctx context.Context, c *actor.Caller, action, resource string) error {
	return actor.Check(ctx, s.cfg.Authz, c, actor.Request{Action: action, Resource: resource}, refusal)
}

func (s *Service) region(c *actor.Caller) string {
	if c.Region != "" {
		return c.Region
	}
	return s.cfg.Region
}

func (s *Service) newID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(s.cfg.Rand, b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}

// ShareARN is the ARN of a share.
func ShareARN(region, owner, id string) string {
	return "arn:aws:ram:" + region + ":" + owner + ":resource-share/" + id
}

// shareKey is the record key of the share arn: owner/region/id.
func shareKey(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "ram" || !strings.HasPrefix(parts[5], "resource-share/") ||
		!actor.ValidAccountID(parts[4]) {
		return "", errMalformed(arn)
	}
	return parts[4] + "/" + parts[3] + "/" + strings.TrimPrefix(parts[5], "resource-share/"), nil
}

// invitationKey is the record key of an invitation arn, received by receiver.
func invitationKey(receiver, arn string) (string, error) {
	i := strings.LastIndex(arn, ":resource-share-invitation/")
	if !strings.HasPrefix(arn, "arn:aws:ram:") || i < 0 {
		return "", errMalformed(arn)
	}
	return receiver + "/" + arn[i+len(":resource-share-invitation/"):], nil
}

func errParamCode(code, format string, args ...any) error {
	return awserr.New(code, awserr.StatusBadRequest, format, args...)
}
