//go:build !race

package handlers

// raceDetector: see race_on_test.go.
const raceDetector = false
