package organizations

import (
	"context"

	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/iam"
)

func (h *handler) accountOps() []*api.Op {
	return []*api.Op{
		api.JSON("CreateAccount", "organizations:CreateAccount", false, h.createAccount),
		api.JSON("DescribeCreateAccountStatus", "organizations:DescribeCreateAccountStatus", true, h.describeCreateAccountStatus),
		api.JSON("ListCreateAccountStatus", "organizations:ListCreateAccountStatus", true, h.listCreateAccountStatus),
		api.JSON("ListAccounts", "organizations:ListAccounts", true, h.listAccounts),
		api.JSON("ListAccountsForParent", "organizations:ListAccountsForParent", true, h.listAccountsForParent),
		api.JSON("DescribeAccount", "organizations:DescribeAccount", true, h.describeAccount),
		api.JSON("MoveAccount", "organizations:MoveAccount", false, h.moveAccount),
	}
}

type createAccountStatus struct {
	Id                 string
	AccountName        string
	State              string
	RequestedTimestamp *awsproto.Timestamp `json:",omitempty"`
	CompletedTimestamp *awsproto.Timestamp `json:",omitempty"`
	AccountId          string              `json:",omitempty"`
	FailureReason      string              `json:",omitempty"`
}

func statusOut(s *iam.CreateAccountStatus) createAccountStatus {
	return createAccountStatus{Id: s.ID, AccountName: s.AccountName, State: s.State, RequestedTimestamp: stamp(s.Requested),
		CompletedTimestamp: stamp(s.Completed), AccountId: s.AccountID, FailureReason: s.FailureReason}
}

type statusOutput struct {
	CreateAccountStatus createAccountStatus
}

type createAccountInput struct {
	Email                  string
	AccountName            string
	RoleName               string `json:",omitempty"`
	IamUserAccessToBilling string `json:",omitempty"`
}

func (h *handler) createAccount(ctx context.Context, c *api.Call, in *createAccountInput) (*statusOutput, error) {
	st, err := h.ids.CreateAccount(ctx, c.Caller, iam.CreateAccountInput{Email: in.Email, Name: in.AccountName, RoleName: in.RoleName})
	if err != nil {
		return nil, err
	}
	return &statusOutput{CreateAccountStatus: statusOut(st)}, nil
}

type describeStatusInput struct {
	CreateAccountRequestId string
}

func (h *handler) describeCreateAccountStatus(ctx context.Context, c *api.Call, in *describeStatusInput) (*statusOutput, error) {
	st, err := h.ids.DescribeCreateAccountStatus(ctx, c.Caller, in.CreateAccountRequestId)
	if err != nil {
		return nil, err
	}
	return &statusOutput{CreateAccountStatus: statusOut(st)}, nil
}

type listStatusInput struct {
	States     []string
	NextToken  string
	MaxResults int
}

type listStatusOutput struct {
	CreateAccountStatuses []createAccountStatus
}

func (h *handler) listCreateAccountStatus(ctx context.Context, c *api.Call, in *listStatusInput) (*listStatusOutput, error) {
	list, err := h.ids.ListCreateAccountStatus(ctx, c.Caller, in.States)
	if err != nil {
		return nil, err
	}
	out := &listStatusOutput{CreateAccountStatuses: []createAccountStatus{}}
	for i := range list {
		out.CreateAccountStatuses = append(out.CreateAccountStatuses, statusOut(&list[i]))
	}
	return out, nil
}

type account struct {
	Id              string
	Arn             string
	Email           string `json:",omitempty"`
	Name            string
	Status          string
	State           string
	JoinedMethod    string
	JoinedTimestamp *awsproto.Timestamp `json:",omitempty"`
}

func accountOut(a *iam.Account) account {
	return account{Id: a.ID, Arn: a.ARN, Email: a.Email, Name: a.Name, Status: "ACTIVE", State: "ACTIVE",
		JoinedMethod: a.JoinedMethod, JoinedTimestamp: stamp(a.Joined)}
}

type listAccountsInput struct {
	ParentId   string `json:",omitempty"`
	NextToken  string `json:",omitempty"`
	MaxResults int    `json:",omitempty"`
}

type listAccountsOutput struct {
	Accounts  []account
	NextToken string `json:",omitempty"`
}

func (h *handler) listAccounts(ctx context.Context, c *api.Call, in *listAccountsInput) (*listAccountsOutput, error) {
	in.ParentId = ""
	return h.listAccountsForParent(ctx, c, in)
}

func (h *handler) listAccountsForParent(ctx context.Context, c *api.Call, in *listAccountsInput) (*listAccountsOutput, error) {
	accounts, next, err := h.ids.ListAccounts(ctx, c.Caller, in.ParentId, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	out := &listAccountsOutput{Accounts: []account{}, NextToken: next}
	for i := range accounts {
		out.Accounts = append(out.Accounts, accountOut(&accounts[i]))
	}
	return out, nil
}

type accountIDInput struct {
	AccountId string
}

type describeAccountOutput struct {
	Account account
}

func (h *handler) describeAccount(ctx context.Context, c *api.Call, in *accountIDInput) (*describeAccountOutput, error) {
	a, err := h.ids.DescribeAccount(ctx, c.Caller, in.AccountId)
	if err != nil {
		return nil, err
	}
	return &describeAccountOutput{Account: accountOut(a)}, nil
}

type moveAccountInput struct {
	AccountId           string
	SourceParentId      string
	DestinationParentId string
}

func (h *handler) moveAccount(ctx context.Context, c *api.Call, in *moveAccountInput) (*struct{}, error) {
	return nil, h.ids.MoveAccount(ctx, c.Caller, in.AccountId, in.SourceParentId, in.DestinationParentId)
}
