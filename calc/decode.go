package calc

// DecodeRequest reads a request in the contract's JSON shape. Every
// rejection is a *Error of KindInvalid naming the JSON path of each fault.
func DecodeRequest(data []byte) (*Request, error) {
	return nil, &Error{Kind: KindInternal, Code: "not_implemented", Title: "尚未实现", Detail: "decoder under construction"}
}
