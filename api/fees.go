package api

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ecotax/ecotax/calc"
	"github.com/ecotax/ecotax/calc/fees"
	"github.com/ecotax/ecotax/calc/jsonin"
	"github.com/ecotax/ecotax/calc/param"
	"github.com/ecotax/ecotax/fixtures"
)

// Differentiated fees (差别化收费) are public prices: the schedules and
// the calculator need no token, like the tax calculator (and share its
// rate limit).

// feeScheduleListing is one schedule version with the inputs it needs.
type feeScheduleListing struct {
	fees.ScheduleInfo
	QuantityUnit string            `json:"quantity_unit"`
	Caveats      []string          `json:"caveats"`
	Inputs       []feeInputListing `json:"inputs"`
}

type feeInputListing struct {
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	Label   string   `json:"label"`
	Unit    string   `json:"unit,omitempty"`
	Choices []string `json:"choices,omitempty"`
	Default string   `json:"default,omitempty"`
	Max     string   `json:"max,omitempty"`
}

func (s *Server) listFeeSchedules(c echo.Context) error {
	out := []feeScheduleListing{}
	for _, sc := range s.app.Tables().Fees.Schedules() {
		l := feeScheduleListing{ScheduleInfo: sc.Info(), QuantityUnit: sc.QuantityUnit, Caveats: sc.Caveats, Inputs: []feeInputListing{}}
		if l.Caveats == nil {
			l.Caveats = []string{}
		}
		for _, in := range sc.Inputs {
			il := feeInputListing{Name: in.Name, Type: in.Type, Label: in.Label, Unit: in.Unit, Choices: in.Choices, Default: in.Default}
			if in.Max.Valid {
				il.Max = in.Max.Decimal.String()
			}
			l.Inputs = append(l.Inputs, il)
		}
		out = append(out, l)
	}
	return c.JSON(http.StatusOK, map[string]any{"schedules": out})
}

// feeRequest is a decoded calculation request.
type feeRequest struct {
	schedule string
	custom   []byte // a user schedule: JSON object or YAML text
	req      fees.Request
}

// decodeFeeRequest reads {"schedule": "id[@version]" | "custom_schedule":
// {…} or "YAML text", "date", "quantity", "inputs": {…}, "partial_step"}.
func decodeFeeRequest(body []byte) (*feeRequest, error) {
	fr := &feeRequest{req: fees.Request{Inputs: map[string]string{}}}
	errs := jsonin.Read(body, 16, jsonin.PlainDecimal, func(o *jsonin.Object) {
		fr.schedule = o.Str("schedule", false)
		if v := o.Get("custom_schedule"); v != nil {
			switch v.Kind {
			case jsonin.KindString:
				fr.custom = []byte(v.Text)
			case jsonin.KindObject:
				fr.custom = rawMember(body, "custom_schedule")
			default:
				o.Fail("custom_schedule", "invalid_type", "want a schedule object or its YAML text, got %s", v.Kind)
			}
		}
		if (fr.schedule == "") == (fr.custom == nil) && o.Get("custom_schedule") == nil {
			o.Fail("schedule", "required", "give a built-in schedule id (GET /v1/fees/schedules) or a custom_schedule")
		} else if fr.schedule != "" && o.Get("custom_schedule") != nil {
			o.Fail("custom_schedule", "conflicting_fields", "give schedule or custom_schedule, not both")
		}
		fr.req.Date = jsonin.Parsed(o, "date", true, param.ParseDate)
		q := o.Decimal("quantity", true)
		if q.Valid && q.Decimal.Sign() < 0 {
			o.Fail("quantity", "invalid_number", "a quantity is not negative")
		}
		fr.req.Quantity = q.Decimal
		if io := o.Object("inputs"); io != nil {
			v, _ := o.Lookup("inputs")
			for _, f := range v.Fields {
				fv, _ := io.Lookup(f.Key)
				switch fv.Kind {
				case jsonin.KindString, jsonin.KindNumber:
					fr.req.Inputs[f.Key] = fv.Text
				default:
					io.Fail(f.Key, "invalid_type", "want a number or a word, got %s", fv.Kind)
				}
			}
		}
		fr.req.PartialStep = o.OneOf("partial_step", fees.Ceil, fees.Floor)
		o.Finish()
	})
	if len(errs) > 0 {
		return nil, calc.Invalid(calc.FieldErrors(errs))
	}
	return fr, nil
}

// calculateFee computes one fee with its trace; nothing is stored.
func (s *Server) calculateFee(c echo.Context) error {
	body, err := s.jsonBody(c)
	if err != nil {
		return err
	}
	fr, err := decodeFeeRequest(body)
	if err != nil {
		return err
	}
	var custom *fees.Schedule
	if fr.custom != nil {
		if custom, err = fixtures.ParseFeeSchedule("custom_schedule", fr.custom); err != nil {
			return underPath(err, "custom_schedule")
		}
	}
	res, err := s.app.CalculateFee(ctx(c), fr.schedule, custom, fr.req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// underPath puts the field paths of a nested document's errors under a
// key of the request.
func underPath(err error, key string) error {
	ce, ok := err.(*calc.Error)
	if !ok {
		return err
	}
	out := *ce
	out.Errors = make([]calc.FieldError, len(ce.Errors))
	for i, fe := range ce.Errors {
		switch {
		case fe.Path == "" || fe.Path == jsonin.Root:
			fe.Path = key
		case fe.Path[0] == '[':
			fe.Path = key + fe.Path
		default:
			fe.Path = key + "." + fe.Path
		}
		out.Errors[i] = fe
	}
	if len(out.Errors) == 0 {
		out.Errors = []calc.FieldError{{Path: key, Code: ce.Code, Message: ce.Detail}}
	}
	return &out
}

// rawMember returns the bytes of a member of a JSON object exactly as
// written (so a schedule's error lines point into the request). The body
// has already been read strictly by jsonin: no duplicate keys.
func rawMember(body []byte, key string) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil
	}
	return m[key]
}
