// Command ecotax computes China's environmental protection tax and the
// money that travels with it. See README.md.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}
