package calc

// The fast decoder's number reader and the reading it stands for.
var (
	PlainAt          = plainAt
	PlainCoefficient = plainCoefficient
	StopAt           = stopAt
	ValidText        = validText
)
