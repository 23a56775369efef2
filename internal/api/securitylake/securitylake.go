// Package securitylake serves Amazon Security Lake's API (REST-JSON, securitylake 2018-05-10) over the lake
// domain service: every operation of the model, routed as the model declares it.
package securitylake

import (
	"github.com/seclake/seclake/internal/api"
	"github.com/seclake/seclake/internal/awsproto"
	"github.com/seclake/seclake/internal/lake"
)

// New returns the Security Lake service.
func New(svc *lake.Service) *api.Service {
	h := &handler{svc: svc}
	return &api.Service{
		Name:        "securitylake",
		EventSource: lake.EventSource,
		Protocol:    awsproto.RESTJSON,
		Router: api.Routes(
			also(api.REST("CreateDataLake", "POST /v1/datalake", "securitylake:CreateDataLake", false, h.createDataLake), "iam:PassRole"),
			also(api.REST("UpdateDataLake", "PUT /v1/datalake", "securitylake:UpdateDataLake", false, h.updateDataLake), "iam:PassRole"),
			api.REST("DeleteDataLake", "POST /v1/datalake/delete", "securitylake:DeleteDataLake", false, h.deleteDataLake),
			api.REST("ListDataLakes", "GET /v1/datalakes", "securitylake:ListDataLakes", true, h.listDataLakes),
			api.REST("CreateAwsLogSource", "POST /v1/datalake/logsources/aws", "securitylake:CreateAwsLogSource", false, h.createAwsLogSource),
			api.REST("DeleteAwsLogSource", "POST /v1/datalake/logsources/aws/delete", "securitylake:DeleteAwsLogSource", false, h.deleteAwsLogSource),
			api.REST("CreateCustomLogSource", "POST /v1/datalake/logsources/custom", "securitylake:CreateCustomLogSource", false, h.createCustomLogSource),
			api.REST("DeleteCustomLogSource", "DELETE /v1/datalake/logsources/custom/{sourceName}", "securitylake:DeleteCustomLogSource", false, h.deleteCustomLogSource),
			api.REST("ListLogSources", "POST /v1/datalake/logsources/list", "securitylake:ListLogSources", true, h.listLogSources),
			api.REST("GetDataLakeSources", "POST /v1/datalake/sources", "securitylake:GetDataLakeSources", true, h.getDataLakeSources),
			api.REST("CreateSubscriber", "POST /v1/subscribers", "securitylake:CreateSubscriber", false, h.createSubscriber),
			api.REST("GetSubscriber", "GET /v1/subscribers/{subscriberId}", "securitylake:GetSubscriber", true, h.getSubscriber),
			api.REST("UpdateSubscriber", "PUT /v1/subscribers/{subscriberId}", "securitylake:UpdateSubscriber", false, h.updateSubscriber),
			api.REST("DeleteSubscriber", "DELETE /v1/subscribers/{subscriberId}", "securitylake:DeleteSubscriber", false, h.deleteSubscriber),
			api.REST("ListSubscribers", "GET /v1/subscribers", "securitylake:ListSubscribers", true, h.listSubscribers),
			api.REST("CreateSubscriberNotification", "POST /v1/subscribers/{subscriberId}/notification", "securitylake:CreateSubscriberNotification", false, h.createSubscriberNotification),
			api.REST("UpdateSubscriberNotification", "PUT /v1/subscribers/{subscriberId}/notification", "securitylake:UpdateSubscriberNotification", false, h.updateSubscriberNotification),
			api.REST("DeleteSubscriberNotification", "DELETE /v1/subscribers/{subscriberId}/notification", "securitylake:DeleteSubscriberNotification", false, h.deleteSubscriberNotification),
			api.REST("CreateDataLakeExceptionSubscription", "POST /v1/datalake/exceptions/subscription", "securitylake:CreateDataLakeExceptionSubscription", false, h.createExceptionSubscription),
			api.REST("GetDataLakeExceptionSubscription", "GET /v1/datalake/exceptions/subscription", "securitylake:GetDataLakeExceptionSubscription", true, h.getExceptionSubscription),
			api.REST("UpdateDataLakeExceptionSubscription", "PUT /v1/datalake/exceptions/subscription", "securitylake:UpdateDataLakeExceptionSubscription", false, h.updateExceptionSubscription),
			api.REST("DeleteDataLakeExceptionSubscription", "DELETE /v1/datalake/exceptions/subscription", "securitylake:DeleteDataLakeExceptionSubscription", false, h.deleteExceptionSubscription),
			api.REST("ListDataLakeExceptions", "POST /v1/datalake/exceptions", "securitylake:ListDataLakeExceptions", true, h.listDataLakeExceptions),
			api.REST("CreateDataLakeOrganizationConfiguration", "POST /v1/datalake/organization/configuration", "securitylake:CreateDataLakeOrganizationConfiguration", false, h.createOrgConfiguration),
			api.REST("GetDataLakeOrganizationConfiguration", "GET /v1/datalake/organization/configuration", "securitylake:GetDataLakeOrganizationConfiguration", true, h.getOrgConfiguration),
			api.REST("DeleteDataLakeOrganizationConfiguration", "POST /v1/datalake/organization/configuration/delete", "securitylake:DeleteDataLakeOrganizationConfiguration", false, h.deleteOrgConfiguration),
			api.REST("RegisterDataLakeDelegatedAdministrator", "POST /v1/datalake/delegate", "securitylake:RegisterDataLakeDelegatedAdministrator", false, h.registerAdmin),
			api.REST("DeregisterDataLakeDelegatedAdministrator", "DELETE /v1/datalake/delegate", "securitylake:DeregisterDataLakeDelegatedAdministrator", false, h.deregisterAdmin),
			api.REST("TagResource", "POST /v1/tags/{resourceArn}", "securitylake:TagResource", false, h.tagResource),
			api.REST("UntagResource", "DELETE /v1/tags/{resourceArn}", "securitylake:UntagResource", false, h.untagResource),
			api.REST("ListTagsForResource", "GET /v1/tags/{resourceArn}", "securitylake:ListTagsForResource", true, h.listTagsForResource),
		),
	}
}

type handler struct{ svc *lake.Service }

// also declares the other actions an operation authorizes on the way (CreateDataLake and UpdateDataLake pass the
// meta-store manager role: iam:PassRole).
func also(op *api.Op, actions ...string) *api.Op {
	op.Also = actions
	return op
}

// empty is the output of operations that return nothing.
type empty struct{}
