// Package fserr trims file errors for messages that name the file already.
package fserr

import (
	"errors"
	"io/fs"
	"os"
)

// WithoutPath is err without the path an *fs.PathError or *os.LinkError adds to it ("open
// /x/y: permission denied" becomes "permission denied"); any other error is returned as it is.
func WithoutPath(err error) error {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err
	}
	if le, ok := errors.AsType[*os.LinkError](err); ok {
		return le.Err
	}
	return err
}
