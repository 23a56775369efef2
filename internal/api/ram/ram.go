// Package ram serves AWS Resource Access Manager's API (REST-JSON, ram 2018-01-04): resource shares, their
// associations, invitations and the organization's sharing switch, over the ram domain service.
package ram

import (
	"context"
	"time"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/ram"
)

// New returns the RAM service.
func New(svc *ram.Service) *api.Service {
	h := &handler{svc: svc}
	return &api.Service{
		Name:        "ram",
		EventSource: ram.EventSource,
		Protocol:    awsproto.RESTJSON,
		Router: api.Routes(
			api.REST("CreateResourceShare", "POST /createresourceshare", "ram:CreateResourceShare", false, h.createResourceShare),
			api.REST("GetResourceShares", "POST /getresourceshares", "ram:GetResourceShares", true, h.getResourceShares),
			api.REST("DeleteResourceShare", "DELETE /deleteresourceshare", "ram:DeleteResourceShare", false, h.deleteResourceShare),
			api.REST("AssociateResourceShare", "POST /associateresourceshare", "ram:AssociateResourceShare", false, h.associateResourceShare),
			api.REST("DisassociateResourceShare", "POST /disassociateresourceshare", "ram:DisassociateResourceShare", false, h.disassociateResourceShare),
			api.REST("GetResourceShareAssociations", "POST /getresourceshareassociations", "ram:GetResourceShareAssociations", true, h.getAssociations),
			api.REST("GetResourceShareInvitations", "POST /getresourceshareinvitations", "ram:GetResourceShareInvitations", true, h.getInvitations),
			api.REST("AcceptResourceShareInvitation", "POST /acceptresourceshareinvitation", "ram:AcceptResourceShareInvitation", false, h.acceptInvitation),
			api.REST("RejectResourceShareInvitation", "POST /rejectresourceshareinvitation", "ram:RejectResourceShareInvitation", false, h.rejectInvitation),
			api.REST("ListResources", "POST /listresources", "ram:ListResources", true, h.listResources),
			api.REST("EnableSharingWithAwsOrganization", "POST /enablesharingwithawsorganization", "ram:EnableSharingWithAwsOrganization", false, h.enableSharing),
		),
	}
}

type handler struct{ svc *ram.Service }

type tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type resourceShare struct {
	ARN                     string     `json:"resourceShareArn"`
	Name                    string     `json:"name"`
	OwningAccountID         string     `json:"owningAccountId"`
	AllowExternalPrincipals bool       `json:"allowExternalPrincipals"`
	Status                  string     `json:"status"`
	Tags                    []tag      `json:"tags,omitempty"`
	CreationTime            *time.Time `json:"creationTime,omitempty"`
	LastUpdatedTime         *time.Time `json:"lastUpdatedTime,omitempty"`
	FeatureSet              string     `json:"featureSet"`
}

func shareOf(s *ram.Share) *resourceShare {
	created, updated := s.Created, s.Updated
	out := &resourceShare{ARN: s.ARN, Name: s.Name, OwningAccountID: s.Owner, AllowExternalPrincipals: s.AllowExternal,
		Status: s.Status, CreationTime: &created, LastUpdatedTime: &updated, FeatureSet: "STANDARD"}
	for _, t := range s.Tags {
		out.Tags = append(out.Tags, tag(t))
	}
	return out
}

type association struct {
	ShareARN         string     `json:"resourceShareArn"`
	ShareName        string     `json:"resourceShareName"`
	AssociatedEntity string     `json:"associatedEntity"`
	AssociationType  string     `json:"associationType"`
	Status           string     `json:"status"`
	StatusMessage    string     `json:"statusMessage,omitempty"`
	CreationTime     *time.Time `json:"creationTime,omitempty"`
	LastUpdatedTime  *time.Time `json:"lastUpdatedTime,omitempty"`
	External         bool       `json:"external"`
}

func associationsOf(as []ram.Association) []association {
	out := []association{}
	for _, a := range as {
		created, updated := a.Created, a.Updated
		out = append(out, association{ShareARN: a.ShareARN, ShareName: a.ShareName, AssociatedEntity: a.Entity,
			AssociationType: a.Type, Status: a.Status, StatusMessage: a.Message, CreationTime: &created,
			LastUpdatedTime: &updated, External: a.External})
	}
	return out
}

type createIn struct {
	Name                    string   `json:"name"`
	ResourceArns            []string `json:"resourceArns"`
	Principals              []string `json:"principals"`
	Tags                    []tag    `json:"tags"`
	AllowExternalPrincipals *bool    `json:"allowExternalPrincipals"`
	ClientToken             string   `json:"clientToken"`
}

type shareOut struct {
	ResourceShare *resourceShare `json:"resourceShare"`
	ClientToken   string         `json:"clientToken,omitempty"`
}

func (h *handler) createResourceShare(ctx context.Context, c *api.Call, in *createIn) (*shareOut, error) {
	var tags []ram.Tag
	for _, t := range in.Tags {
		tags = append(tags, ram.Tag(t))
	}
	sh, err := h.svc.CreateResourceShare(ctx, c.Caller, ram.ShareInput{Name: in.Name, Resources: in.ResourceArns,
		Principals: in.Principals, AllowExternal: in.AllowExternalPrincipals, Tags: tags})
	if err != nil {
		return nil, err
	}
	return &shareOut{ResourceShare: shareOf(sh), ClientToken: in.ClientToken}, nil
}

type getSharesIn struct {
	ResourceShareArns   []string `json:"resourceShareArns"`
	ResourceShareStatus string   `json:"resourceShareStatus"`
	ResourceOwner       string   `json:"resourceOwner"`
	Name                string   `json:"name"`
	NextToken           string   `json:"nextToken"`
	MaxResults          int      `json:"maxResults"`
}

type getSharesOut struct {
	ResourceShares []*resourceShare `json:"resourceShares"`
	NextToken      string           `json:"nextToken,omitempty"`
}

func (h *handler) getResourceShares(ctx context.Context, c *api.Call, in *getSharesIn) (*getSharesOut, error) {
	shares, next, err := h.svc.GetResourceShares(ctx, c.Caller, ram.SharesFilter{Owner: in.ResourceOwner, ARNs: in.ResourceShareArns,
		Status: in.ResourceShareStatus, Name: in.Name}, ram.Page{Token: in.NextToken, Max: in.MaxResults})
	if err != nil {
		return nil, err
	}
	out := &getSharesOut{ResourceShares: []*resourceShare{}, NextToken: next}
	for i := range shares {
		out.ResourceShares = append(out.ResourceShares, shareOf(&shares[i]))
	}
	return out, nil
}

type deleteIn struct {
	ARN         string `json:"-" location:"querystring" name:"resourceShareArn"`
	ClientToken string `json:"-" location:"querystring" name:"clientToken"`
}

type returnOut struct {
	ReturnValue bool   `json:"returnValue"`
	ClientToken string `json:"clientToken,omitempty"`
}

func (h *handler) deleteResourceShare(ctx context.Context, c *api.Call, in *deleteIn) (*returnOut, error) {
	if err := h.svc.DeleteResourceShare(ctx, c.Caller, in.ARN); err != nil {
		return nil, err
	}
	return &returnOut{ReturnValue: true, ClientToken: in.ClientToken}, nil
}

type associateIn struct {
	ARN          string   `json:"resourceShareArn"`
	ResourceArns []string `json:"resourceArns"`
	Principals   []string `json:"principals"`
	ClientToken  string   `json:"clientToken"`
}

type associationsOut struct {
	Associations []association `json:"resourceShareAssociations"`
	ClientToken  string        `json:"clientToken,omitempty"`
	NextToken    string        `json:"nextToken,omitempty"`
}

func (h *handler) associateResourceShare(ctx context.Context, c *api.Call, in *associateIn) (*associationsOut, error) {
	as, err := h.svc.AssociateResourceShare(ctx, c.Caller, in.ARN, in.ResourceArns, in.Principals)
	if err != nil {
		return nil, err
	}
	return &associationsOut{Associations: associationsOf(as), ClientToken: in.ClientToken}, nil
}

func (h *handler) disassociateResourceShare(ctx context.Context, c *api.Call, in *associateIn) (*associationsOut, error) {
	as, err := h.svc.DisassociateResourceShare(ctx, c.Caller, in.ARN, in.ResourceArns, in.Principals)
	if err != nil {
		return nil, err
	}
	return &associationsOut{Associations: associationsOf(as), ClientToken: in.ClientToken}, nil
}

type getAssociationsIn struct {
	AssociationType   string   `json:"associationType"`
	ResourceShareArns []string `json:"resourceShareArns"`
	ResourceArn       string   `json:"resourceArn"`
	Principal         string   `json:"principal"`
	AssociationStatus string   `json:"associationStatus"`
	NextToken         string   `json:"nextToken"`
	MaxResults        int      `json:"maxResults"`
}

func (h *handler) getAssociations(ctx context.Context, c *api.Call, in *getAssociationsIn) (*associationsOut, error) {
	as, next, err := h.svc.GetResourceShareAssociations(ctx, c.Caller, ram.AssociationsFilter{Type: in.AssociationType,
		ShareARNs: in.ResourceShareArns, Resource: in.ResourceArn, Principal: in.Principal, Status: in.AssociationStatus},
		ram.Page{Token: in.NextToken, Max: in.MaxResults})
	if err != nil {
		return nil, err
	}
	return &associationsOut{Associations: associationsOf(as), NextToken: next}, nil
}
