//! Which functions can reach `wasmos.fork` / `wasmos.vfork`.
//!
//! The graph has one node per function (imports included) and one node per
//! *signature* (a `(params, results)` pair). A direct `call` is an edge to its
//! callee. A `call_indirect` is an edge to the node of its type, and that node
//! has an edge to every function that sits in an element segment and has that
//! type: any of them may be the callee at run time. A call to an
//! `env.invoke_<sig>` import (Emscripten-style setjmp, see docs/abi.md) is an
//! indirect call of the invoke type minus its first parameter (the table index).
//!
//! Walking the reversed edges from the fork imports gives every node that may
//! reach fork. The local functions among them are the ones to instrument; a call
//! site "may unwind" exactly when its target node is in the set.

use std::collections::{HashMap, HashSet};

use walrus::ir::Instr;
use walrus::{ConstExpr, ElementItems, FunctionId, FunctionKind, ImportKind, LocalFunction, Module, TypeId, ValType};

/// A function signature, compared structurally.
pub type Sig = (Vec<ValType>, Vec<ValType>);

/// A node of the call graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    /// A function (local or imported).
    Func(FunctionId),
    /// Any function in a table with this signature (index into [`CallGraph::sigs`]).
    Sig(usize),
}

/// The result of the analysis.
#[derive(Debug, Default)]
pub struct CallGraph {
    /// The `wasmos.fork` and `wasmos.vfork` imports.
    pub fork_imports: HashSet<FunctionId>,
    /// `env.invoke_*` imports, mapped to the signature node their callee has.
    pub invokes: HashMap<FunctionId, usize>,
    /// Interned signatures.
    pub sigs: Vec<Sig>,
    /// Every node that can reach a fork import (fork imports included).
    pub reaching: HashSet<Node>,
}

impl CallGraph {
    /// Builds the graph of `module` and computes the nodes that reach fork.
    pub fn analyze(module: &Module) -> CallGraph {
        let mut g = CallGraph::default();
        let mut sig_index: HashMap<Sig, usize> = HashMap::new();
        let mut edges: HashMap<Node, Vec<Node>> = HashMap::new();

        for import in module.imports.iter() {
            let ImportKind::Function(f) = import.kind else { continue };
            if import.module == "wasmos" && (import.name == "fork" || import.name == "vfork") {
                g.fork_imports.insert(f);
            } else if import.module == "env" && import.name.starts_with("invoke_") {
                let (params, results) = module.types.params_results(module.funcs.get(f).ty());
                if let Some((_, rest)) = params.split_first() {
                    let s = intern(&mut g.sigs, &mut sig_index, (rest.to_vec(), results.to_vec()));
                    g.invokes.insert(f, s);
                    edges.entry(Node::Func(f)).or_default().push(Node::Sig(s));
                }
            }
        }

        // Table members by signature.
        for elem in module.elements.iter() {
            let members: Vec<FunctionId> = match &elem.items {
                ElementItems::Functions(fs) => fs.clone(),
                ElementItems::Expressions(_, exprs) => exprs
                    .iter()
                    .filter_map(|e| match e {
                        ConstExpr::RefFunc(f) => Some(*f),
                        _ => None,
                    })
                    .collect(),
            };
            for f in members {
                let s = intern(&mut g.sigs, &mut sig_index, sig_of(module, module.funcs.get(f).ty()));
                edges.entry(Node::Sig(s)).or_default().push(Node::Func(f));
            }
        }

        for func in module.funcs.iter() {
            let FunctionKind::Local(local) = &func.kind else { continue };
            let from = Node::Func(func.id());
            let mut targets = Vec::new();
            for_each_instr(local, local.entry_block(), &mut |instr| match instr {
                Instr::Call(c) => targets.push(Node::Func(c.func)),
                Instr::ReturnCall(c) => targets.push(Node::Func(c.func)),
                Instr::CallIndirect(c) => targets.push(Node::Sig(intern(&mut g.sigs, &mut sig_index, sig_of(module, c.ty)))),
                Instr::ReturnCallIndirect(c) => targets.push(Node::Sig(intern(&mut g.sigs, &mut sig_index, sig_of(module, c.ty)))),
                _ => {}
            });
            edges.entry(from).or_default().extend(targets);
        }

        // Reverse the edges and walk back from the fork imports.
        let mut callers: HashMap<Node, Vec<Node>> = HashMap::new();
        for (from, tos) in &edges {
            for to in tos {
                callers.entry(*to).or_default().push(*from);
            }
        }
        let mut work: Vec<Node> = g.fork_imports.iter().map(|f| Node::Func(*f)).collect();
        while let Some(n) = work.pop() {
            if g.reaching.insert(n) {
                work.extend(callers.get(&n).into_iter().flatten().copied());
            }
        }
        g
    }

    /// Makes every function and every signature count as reaching fork.
    pub fn reach_everything(&mut self, module: &Module) {
        self.reaching.extend(module.funcs.iter().map(|f| Node::Func(f.id())));
        for func in module.funcs.iter() {
            let FunctionKind::Local(local) = &func.kind else { continue };
            for_each_instr(local, local.entry_block(), &mut |instr| {
                if let Instr::CallIndirect(c) = instr {
                    let sig = sig_of(module, c.ty);
                    if !self.sigs.contains(&sig) {
                        self.sigs.push(sig);
                    }
                }
            });
        }
        self.reaching.extend((0..self.sigs.len()).map(Node::Sig));
    }

    /// The local functions that must be instrumented, in module order.
    pub fn instrumented(&self, module: &Module) -> Vec<FunctionId> {
        module.funcs.iter_local().map(|(id, _)| id).filter(|id| self.reaching.contains(&Node::Func(*id))).collect()
    }

    /// Whether calling `f` directly may unwind the stack.
    pub fn call_may_unwind(&self, f: FunctionId) -> bool {
        self.reaching.contains(&Node::Func(f))
    }

    /// Whether an indirect call of signature `sig` may unwind the stack.
    pub fn indirect_may_unwind(&self, sig: &Sig) -> bool {
        self.sigs.iter().position(|s| s == sig).is_some_and(|i| self.reaching.contains(&Node::Sig(i)))
    }
}

fn intern(sigs: &mut Vec<Sig>, index: &mut HashMap<Sig, usize>, sig: Sig) -> usize {
    *index.entry(sig.clone()).or_insert_with(|| {
        sigs.push(sig);
        sigs.len() - 1
    })
}

/// The structural signature of a type.
pub fn sig_of(module: &Module, ty: TypeId) -> Sig {
    let (p, r) = module.types.params_results(ty);
    (p.to_vec(), r.to_vec())
}

/// Calls `f` on every instruction of `seq` and of the sequences nested in it.
pub fn for_each_instr(func: &LocalFunction, seq: walrus::ir::InstrSeqId, f: &mut impl FnMut(&Instr)) {
    for (instr, _) in &func.block(seq).instrs {
        f(instr);
        match instr {
            Instr::Block(b) => for_each_instr(func, b.seq, f),
            Instr::Loop(l) => for_each_instr(func, l.seq, f),
            Instr::IfElse(i) => {
                for_each_instr(func, i.consequent, f);
                for_each_instr(func, i.alternative, f);
            }
            _ => {}
        }
    }
}
