// Prints, as JSON, the code point ranges daprd accepts in a new workflow instance ID: its start
// check (pkg/api/universal/workflow.go, validateInstanceID) allows unicode.IsLetter,
// unicode.IsDigit, '_' and '-', with the Unicode tables of the Go that built it.
//
//	go run tools/instance_id_chars.go > conformance/instance_id_chars.json
//
// `make instance-id-chars` does that; tests/contract/test_instance_ids.py compares the file with
// this program's output whenever Go is installed.
package main

import (
	"fmt"
	"unicode"
)

func main() {
	var ranges [][2]rune
	for c := rune(0); c <= unicode.MaxRune; c++ {
		if !(unicode.IsLetter(c) || unicode.IsDigit(c) || c == '_' || c == '-') {
			continue
		}
		if n := len(ranges); n > 0 && ranges[n-1][1] == c-1 {
			ranges[n-1][1] = c
		} else {
			ranges = append(ranges, [2]rune{c, c})
		}
	}
	// One range a line, so that a new Unicode version shows as a readable diff.
	fmt.Printf("{\"unicode\": %q, \"ranges\": [\n", unicode.Version)
	for i, r := range ranges {
		sep := ","
		if i == len(ranges)-1 {
			sep = ""
		}
		fmt.Printf("  [%d, %d]%s\n", r[0], r[1], sep)
	}
	fmt.Println("]}")
}
