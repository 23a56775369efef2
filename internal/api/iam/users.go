package iam

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/iam"
)

type createUserInput struct {
	UserName            string
	Path                string
	PermissionsBoundary string
	Tags                []tag
}

type userOutput struct {
	User user
}

func (h *handler) createUser(ctx context.Context, c *api.Call, in *createUserInput) (*userOutput, error) {
	u, err := h.ids.CreateUser(ctx, c.Caller, iam.CreateUserInput{Name: in.UserName, Path: in.Path, Tags: tagsIn(in.Tags), Boundary: in.PermissionsBoundary})
	if err != nil {
		return nil, err
	}
	c.AddResource(u.ARN(), u.Account, "AWS::IAM::User")
	return &userOutput{User: userOut(u)}, nil
}

type getUserInput struct {
	UserName string
}

func (h *handler) getUser(ctx context.Context, c *api.Call, in *getUserInput) (*userOutput, error) {
	u, err := h.ids.GetUser(ctx, c.Caller, in.UserName)
	if err != nil {
		return nil, err
	}
	return &userOutput{User: userOut(u)}, nil
}

type listInput struct {
	PathPrefix string
	Marker     string
	MaxItems   int
}

func (in *listInput) domain() iam.ListInput {
	return iam.ListInput{PathPrefix: in.PathPrefix, Marker: in.Marker, MaxItems: in.MaxItems}
}

type listUsersOutput struct {
	Users []user `xml:"Users>member"`
	Page
}

func (h *handler) listUsers(ctx context.Context, c *api.Call, in *listInput) (*listUsersOutput, error) {
	users, next, err := h.ids.ListUsers(ctx, c.Caller, in.domain())
	if err != nil {
		return nil, err
	}
	out := &listUsersOutput{Users: make([]user, 0, len(users)), Page: pageOf(next)}
	for _, u := range users {
		out.Users = append(out.Users, userOut(u))
	}
	return out, nil
}

type deleteUserInput struct {
	UserName string
}

func (h *handler) deleteUser(ctx context.Context, c *api.Call, in *deleteUserInput) (*struct{}, error) {
	return nil, h.ids.DeleteUser(ctx, c.Caller, in.UserName)
}
