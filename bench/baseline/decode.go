package main

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// decodeCreateSet answers create_set as an idiomatic Echo handler with no rules, store or log
// would: it binds the ESB call into a struct with Echo's Bind and answers a record built of it
// with c.JSON. bench/run.sh loads it beside bare Echo and the mock: what reading a call and
// writing its answer the usual way costs on the machine, before any of the mock's own work.
func decodeCreateSet(c echo.Context) error {
	var call createSetCall
	if err := c.Bind(&call); err != nil {
		return err
	}
	now := time.Now()
	d := call.Data
	return c.JSON(http.StatusOK, createSetAnswer{
		Result: true, Message: "success", RequestID: "e43da4ef221746868dc4c837d36f3807",
		Data: setRecord{
			BizID: call.BizID, SetID: 4780, Name: d.Name, ParentID: d.ParentID, Capacity: d.Capacity,
			Desc: d.Desc, Env: d.Env, ServiceStatus: "1", Supplier: "0", CreateTime: now, LastTime: now,
		},
	})
}

// createSetCall is the ESB call of bench/create_set.lua.
type createSetCall struct {
	AppCode   string `json:"bk_app_code"`
	AppSecret string `json:"bk_app_secret"`
	Username  string `json:"bk_username"`
	BizID     int64  `json:"bk_biz_id"`
	Data      struct {
		ParentID int64  `json:"bk_parent_id"`
		Name     string `json:"bk_set_name"`
		Capacity int64  `json:"bk_capacity"`
		Desc     string `json:"bk_set_desc"`
		Env      string `json:"bk_set_env"`
	} `json:"data"`
}

// createSetAnswer is the envelope of the answer, its record the fields of the one in answer.
type createSetAnswer struct {
	Result     bool      `json:"result"`
	Code       int       `json:"code"`
	Message    string    `json:"message"`
	Permission any       `json:"permission"`
	RequestID  string    `json:"request_id"`
	Data       setRecord `json:"data"`
}

type setRecord struct {
	BizID              int64     `json:"bk_biz_id"`
	Capacity           int64     `json:"bk_capacity"`
	ParentID           int64     `json:"bk_parent_id"`
	ServiceStatus      string    `json:"bk_service_status"`
	Desc               string    `json:"bk_set_desc"`
	Env                string    `json:"bk_set_env"`
	SetID              int64     `json:"bk_set_id"`
	Name               string    `json:"bk_set_name"`
	Supplier           string    `json:"bk_supplier_account"`
	CreateTime         time.Time `json:"create_time"`
	Default            int       `json:"default"`
	Description        string    `json:"description"`
	LastTime           time.Time `json:"last_time"`
	SetTemplateID      int64     `json:"set_template_id"`
	SetTemplateVersion *int64    `json:"set_template_version"`
}
