package filing

// Test helpers shared with the external tests of package filing_test.
var (
	ExampleDeclaration = exampleDeclaration
	GenSensible        = genSensible
)
