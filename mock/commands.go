package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	"github.com/cmdbmock/cmdbmock/mock/topo"
)

// A command is a write to the store as the call decided it: its fields, its time, its user. What
// the store decides (ids, whether a name is taken, whether the store is full) it decides as it
// applies the command. With the in-memory store a command is applied at once; with a shared
// store (--store redis://...) every replica applies every replica's commands in the one order of
// the shared log, so that their stores decide alike: an id is handed out once, a name taken
// once, whichever replica a call came to.
type command interface {
	apply(s *Server) outcome
}

// outcome is what applying a command gave: what the call answers with.
type outcome struct {
	set    topo.Set
	record topo.Record
	node   topo.Node
	module topo.Module
	rule   FaultRule
	err    error
}

type (
	createSet struct {
		Draft     topo.Draft
		Templates []topo.ModuleTemplate
	}
	updateSet struct {
		Biz, Set int64
		Draft    topo.Draft
	}
	// deleteSets deletes the listed sets of a business, all or none; Whole, every set of it.
	deleteSets struct {
		Biz   int64
		IDs   []int64
		Whole bool
	}
	createModule struct{ Module topo.Module }
	updateModule struct{ Module topo.Module }
	deleteModule struct{ Biz, Set, Module int64 }
	createNode   struct{ Node topo.Node }
	deleteNode   struct {
		ID    int64
		ObjID string
	}
	// placeHosts makes a module hold Hosts hosts: the admin API's, as the mock serves none of
	// CMDB's calls that move hosts.
	placeHosts struct{ Module, Hosts int64 }
	// reset seeds the store anew from the fixtures, the populated sets drawn from Seed, every
	// seeded set made At (Unix milliseconds; 0: now).
	reset      struct{ Seed, At int64 }
	addFault   struct{ Rule FaultRule }
	dropFault  struct{ ID string }
	dropFaults struct{}
)

func (c createSet) apply(s *Server) outcome {
	set, err := s.store.Create(c.Draft, c.Templates)
	return outcome{set: set, err: err}
}

func (c updateSet) apply(s *Server) outcome {
	set, err := s.store.Update(c.Biz, c.Set, c.Draft)
	return outcome{set: set, err: err}
}

func (c deleteSets) apply(s *Server) outcome {
	if c.Whole {
		return outcome{err: s.store.DeleteBusiness(c.Biz)}
	}
	return outcome{err: s.store.Delete(c.Biz, c.IDs...)}
}

func (c createModule) apply(s *Server) outcome {
	rec, err := s.store.CreateModule(c.Module) // ErrNoSet: deleted since the call found it
	return outcome{record: rec, err: err}
}

func (c updateModule) apply(s *Server) outcome { return outcome{err: s.store.UpdateModule(c.Module)} }

func (c deleteModule) apply(s *Server) outcome {
	return outcome{err: s.store.DeleteModule(c.Biz, c.Set, c.Module)}
}

func (c createNode) apply(s *Server) outcome {
	n, err := s.store.CreateNode(c.Node)
	return outcome{node: n, err: err}
}

func (c deleteNode) apply(s *Server) outcome {
	if n, ok := s.store.Node(c.ID); ok && n.ObjID == c.ObjID {
		return outcome{err: s.store.DeleteNode(c.ID)}
	}
	return outcome{}
}

func (c placeHosts) apply(s *Server) outcome {
	m, err := s.store.PlaceHosts(c.Module, c.Hosts)
	return outcome{module: m, err: err}
}

func (c reset) apply(s *Server) outcome { return outcome{err: s.seed(c.Seed, c.At)} }

func (c addFault) apply(s *Server) outcome {
	r, err := s.faults.Add(c.Rule)
	return outcome{rule: r, err: err}
}

// errNoFault is a fault rule that is not there.
var errNoFault = errors.New("no such fault rule")

func (c dropFault) apply(s *Server) outcome {
	if !s.faults.Delete(c.ID) {
		return outcome{err: errNoFault}
	}
	return outcome{}
}

func (dropFaults) apply(s *Server) outcome {
	s.faults.Clear()
	return outcome{}
}

// commandKinds name the commands in the shared log, with how each is read back.
var commandKinds = []commandKind{
	kindFor[createSet]("create_set"), kindFor[updateSet]("update_set"),
	kindFor[deleteSets]("delete_sets"), kindFor[createModule]("create_module"),
	kindFor[updateModule]("update_module"), kindFor[deleteModule]("delete_module"),
	kindFor[createNode]("create_node"), kindFor[deleteNode]("delete_node"),
	kindFor[reset]("reset"), kindFor[addFault]("add_fault"),
	kindFor[dropFault]("drop_fault"), kindFor[dropFaults]("drop_faults"),
	kindFor[placeHosts]("place_hosts"),
}

// A commandKind is one kind of command: its name in the shared log, its Go type, how it is read.
type commandKind struct {
	name   string
	typ    reflect.Type
	decode func([]byte) (command, error)
}

func kindFor[T command](name string) commandKind {
	return commandKind{name: name, typ: reflect.TypeFor[T](), decode: func(data []byte) (command, error) {
		var c T
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber() // numbers as written, on every replica alike
		err := dec.Decode(&c)
		return c, err
	}}
}

// kindOf is the name of a command's kind in the shared log.
func kindOf(c command) string {
	t := reflect.TypeOf(c)
	for _, k := range commandKinds {
		if k.typ == t {
			return k.name
		}
	}
	panic(fmt.Sprintf("mock: command %T has no kind", c))
}

// decodeCommand reads a command of the shared log.
func decodeCommand(kind string, data []byte) (command, error) {
	for _, k := range commandKinds {
		if k.name == kind {
			c, err := k.decode(data)
			if err != nil {
				return nil, fmt.Errorf("a %s command: %w", kind, err)
			}
			return c, nil
		}
	}
	return nil, fmt.Errorf("a command of an unknown kind %q", kind)
}

// submit applies a write: at once with the in-memory store, through the shared log with a shared
// one. An error means the shared store could not take it; the store is then as it was.
func (s *Server) submit(ctx context.Context, c command) (outcome, error) {
	if s.shared == nil {
		return c.apply(s), nil
	}
	return s.shared.submit(ctx, c)
}
