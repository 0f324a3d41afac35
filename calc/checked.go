package calc

// MergeChecked adds to the faults a reader found those a validation found,
// leaving out a "required" at a path the reader has already faulted (an
// absent value is "required" to the reader; a value of the wrong type
// reads as empty and is not also missing). Every other fault of the
// validation stays, as when reading and checking were one pass.
func MergeChecked(read, checked []FieldError) []FieldError {
	n := len(read) // only the reader's own faults silence a check's
	for _, f := range checked {
		if f.Code == "required" && faulted(read[:n], f.Path) {
			continue
		}
		read = append(read, f)
	}
	return read
}

func faulted(errs []FieldError, path string) bool {
	for _, e := range errs {
		if e.Path == path {
			return true
		}
	}
	return false
}
