// Snapshot encoding of the model's plain data (model/archive.h). A loader checks what needs no
// context (enums, bools, sizes); what names another part (a tenant, a node, a job) is checked by
// the core once everything is read (core/core_snapshot_check.cc).
#pragma once

#include "model/archive.h"
#include "model/job.h"
#include "model/node_state.h"
#include "model/tenant.h"

namespace hexa {

void save(Writer& w, const JobSpec& s);
void load(Reader& r, JobSpec& s);
void save(Writer& w, const Allocation& a);
void load(Reader& r, Allocation& a);
void save(Writer& w, const WaitReason& wr);
void load(Reader& r, WaitReason& wr);
void save(Writer& w, const Job& j);
void load(Reader& r, Job& j);
void save(Writer& w, const Tenant& t);
void load(Reader& r, Tenant& t);
void save(Writer& w, const NodeStatus& n);
void load(Reader& r, NodeStatus& n);

}  // namespace hexa
