/* A fake NVML for tests: libnvidia-ml.so.1 with the entry points the agent uses (agent/nvml.cc),
 * whose GPUs come from the text file named by FAKE_NVML_CONFIG, read by nvmlInit_v2:
 *
 *   gpu NAME|UUID|MEMORY_MIB|mig=on            one line per GPU, by index ("mig=off" or nothing: off)
 *   mig GPU PROFILE start=S size=N uuid=U      a MIG device of GPU (by index), in order
 *   init_fail CODE                             nvmlInit_v2 answers CODE
 *   no_permission                              GPU instance queries answer NVML_ERROR_NO_PERMISSION
 *
 * Without FAKE_NVML_CONFIG, or with a file that cannot be read, nvmlInit_v2 answers
 * NVML_ERROR_DRIVER_NOT_LOADED. GPU instance profiles get an index in the order their names
 * first appear and an id other than their index (as real ones do: 1g.10gb is index 0, id 19). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

enum {
  OK = 0, INVALID_ARGUMENT = 2, NOT_SUPPORTED = 3, NO_PERMISSION = 4, NOT_FOUND = 6, INSUFFICIENT_SIZE = 7,
  DRIVER_NOT_LOADED = 9, UNINITIALIZED = 1, VERSION_MISMATCH = 25
};
enum { MAX_GPUS = 64, MAX_MIG = 512, MAX_PROFILES = 16, TEXT = 96 };

typedef struct fake_device {
  int gpu;  /* index of the GPU (of the parent, for a MIG device) */
  int mig;  /* -1: a GPU; else the index in migs[] */
} fake_device;

typedef struct {
  char name[TEXT], uuid[TEXT];
  unsigned long long memory_mib;
  int mig_on;
  fake_device handle;
} fake_gpu;

typedef struct {
  int gpu, profile, start, size;
  char uuid[TEXT];
  fake_device handle;
} fake_mig;

/* nvml.h's layouts. */
typedef struct { unsigned long long total, free, used; } nvml_memory;
typedef struct { unsigned int start, size; } nvml_placement;
typedef struct { fake_device* device; unsigned int id, profile_id; nvml_placement placement; } nvml_gi_info;
typedef struct {
  unsigned int version, id, p2p, slice_count, instance_count, multiprocessors, copy_engines, decoders, encoders, jpegs,
      ofas;
  unsigned long long memory_mb;
  char name[TEXT];
} nvml_profile_info_v2;

static fake_gpu gpus[MAX_GPUS];
static fake_mig migs[MAX_MIG];
static char profiles[MAX_PROFILES][TEXT];
static int n_gpus, n_migs, n_profiles, init_code, no_permission, initialized;

static void copy_text(char* to, const char* from) {
  size_t n = strlen(from);
  if (n > TEXT - 1) n = TEXT - 1;  /* cut to fit, always terminated */
  memcpy(to, from, n);
  to[n] = '\0';
}

static int profile_index(const char* name) {
  for (int i = 0; i < n_profiles; ++i)
    if (strcmp(profiles[i], name) == 0) return i;
  if (n_profiles == MAX_PROFILES) return 0;
  copy_text(profiles[n_profiles], name);
  return n_profiles++;
}

static unsigned int profile_id(int index) { return (unsigned int)(index * 3 + 5); }

static void read_gpu(char* rest) {
  if (n_gpus == MAX_GPUS) return;
  fake_gpu* g = &gpus[n_gpus];
  char* fields[4] = {rest, NULL, NULL, NULL};
  for (int f = 1; f < 4 && fields[f - 1]; ++f) {
    char* bar = strchr(fields[f - 1], '|');
    if (bar) *bar = '\0', fields[f] = bar + 1;
  }
  copy_text(g->name, fields[0]);
  copy_text(g->uuid, fields[1] ? fields[1] : "");
  g->memory_mib = fields[2] ? strtoull(fields[2], NULL, 10) : 0;
  g->mig_on = fields[3] && strncmp(fields[3], "mig=on", 6) == 0;
  g->handle.gpu = n_gpus;
  g->handle.mig = -1;
  ++n_gpus;
}

static void read_mig(const char* rest) {
  if (n_migs == MAX_MIG) return;
  fake_mig* m = &migs[n_migs];
  char profile[TEXT] = "", uuid[TEXT] = "";
  if (sscanf(rest, "%d %95s start=%d size=%d uuid=%95s", &m->gpu, profile, &m->start, &m->size, uuid) != 5) return;
  m->profile = profile_index(profile);
  copy_text(m->uuid, uuid);
  m->handle.gpu = m->gpu;
  m->handle.mig = n_migs;
  ++n_migs;
}

static int load_config(void) {
  n_gpus = n_migs = n_profiles = init_code = no_permission = 0;
  const char* path = getenv("FAKE_NVML_CONFIG");
  FILE* f = path ? fopen(path, "r") : NULL;
  if (!f) return DRIVER_NOT_LOADED;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (strncmp(line, "gpu ", 4) == 0) read_gpu(line + 4);
    else if (strncmp(line, "mig ", 4) == 0) read_mig(line + 4);
    else if (strncmp(line, "init_fail ", 10) == 0) init_code = atoi(line + 10);
    else if (strcmp(line, "no_permission") == 0) no_permission = 1;
  }
  fclose(f);
  return init_code;
}

static int put_text(char* out, unsigned int length, const char* text) {
  if (!out) return INVALID_ARGUMENT;
  if (strlen(text) + 1 > length) return INSUFFICIENT_SIZE;
  strcpy(out, text);
  return OK;
}

EXPORT int nvmlInit_v2(void) {
  int code = load_config();
  initialized = code == OK;
  return code;
}

EXPORT int nvmlShutdown(void) {
  if (!initialized) return UNINITIALIZED;
  initialized = 0;
  return OK;
}

EXPORT const char* nvmlErrorString(int code) {
  switch (code) {
    case OK: return "Success";
    case UNINITIALIZED: return "Uninitialized";
    case INVALID_ARGUMENT: return "Invalid Argument";
    case NOT_SUPPORTED: return "Not Supported";
    case NO_PERMISSION: return "Insufficient Permissions";
    case NOT_FOUND: return "Not Found";
    case INSUFFICIENT_SIZE: return "Insufficient Size";
    case DRIVER_NOT_LOADED: return "Driver Not Loaded";
    default: return "Unknown Error";
  }
}

EXPORT int nvmlDeviceGetCount_v2(unsigned int* count) {
  if (!initialized) return UNINITIALIZED;
  *count = (unsigned int)n_gpus;
  return OK;
}

EXPORT int nvmlDeviceGetHandleByIndex_v2(unsigned int index, fake_device** device) {
  if (!initialized) return UNINITIALIZED;
  if (index >= (unsigned int)n_gpus) return INVALID_ARGUMENT;
  *device = &gpus[index].handle;
  return OK;
}

EXPORT int nvmlDeviceGetName(fake_device* d, char* name, unsigned int length) {
  if (!d || d->mig >= 0) return d ? NOT_SUPPORTED : INVALID_ARGUMENT;
  return put_text(name, length, gpus[d->gpu].name);
}

EXPORT int nvmlDeviceGetUUID(fake_device* d, char* uuid, unsigned int length) {
  if (!d) return INVALID_ARGUMENT;
  return put_text(uuid, length, d->mig >= 0 ? migs[d->mig].uuid : gpus[d->gpu].uuid);
}

EXPORT int nvmlDeviceGetMemoryInfo(fake_device* d, nvml_memory* memory) {
  if (!d || !memory) return INVALID_ARGUMENT;
  unsigned long long mib = gpus[d->gpu].memory_mib;
  if (d->mig >= 0) mib = mib * (unsigned long long)migs[d->mig].size / 8;
  memory->total = mib << 20;
  memory->used = 0;
  memory->free = memory->total;
  return OK;
}

EXPORT int nvmlDeviceGetMigMode(fake_device* d, unsigned int* current, unsigned int* pending) {
  if (!d || d->mig >= 0) return INVALID_ARGUMENT;
  *current = *pending = (unsigned int)gpus[d->gpu].mig_on;
  return OK;
}

EXPORT int nvmlDeviceGetMaxMigDeviceCount(fake_device* d, unsigned int* count) {
  if (!d || d->mig >= 0) return INVALID_ARGUMENT;
  *count = gpus[d->gpu].mig_on ? 7u : 0u;
  return OK;
}

EXPORT int nvmlDeviceGetMigDeviceHandleByIndex(fake_device* d, unsigned int index, fake_device** mig) {
  if (!d || d->mig >= 0) return INVALID_ARGUMENT;
  unsigned int seen = 0;
  for (int i = 0; i < n_migs; ++i) {
    if (migs[i].gpu != d->gpu) continue;
    if (seen++ == index) {
      *mig = &migs[i].handle;
      return OK;
    }
  }
  return NOT_FOUND;
}

/* A MIG device's GPU instance id: its index in migs[] + 1. */
EXPORT int nvmlDeviceGetGpuInstanceId(fake_device* d, unsigned int* id) {
  if (!d || d->mig < 0) return INVALID_ARGUMENT;
  *id = (unsigned int)d->mig + 1;
  return OK;
}

/* The GPU instance handle is its MIG device's. */
EXPORT int nvmlDeviceGetGpuInstanceById(fake_device* d, unsigned int id, fake_device** gi) {
  if (!d || d->mig >= 0) return INVALID_ARGUMENT;
  if (no_permission) return NO_PERMISSION;
  if (id < 1 || id > (unsigned int)n_migs || migs[id - 1].gpu != d->gpu) return NOT_FOUND;
  *gi = &migs[id - 1].handle;
  return OK;
}

EXPORT int nvmlGpuInstanceGetInfo(fake_device* gi, nvml_gi_info* info) {
  if (!gi || gi->mig < 0 || !info) return INVALID_ARGUMENT;
  const fake_mig* m = &migs[gi->mig];
  info->device = &gpus[m->gpu].handle;
  info->id = (unsigned int)gi->mig + 1;
  info->profile_id = profile_id(m->profile);
  info->placement.start = (unsigned int)m->start;
  info->placement.size = (unsigned int)m->size;
  return OK;
}

EXPORT int nvmlDeviceGetGpuInstanceProfileInfoV(fake_device* d, unsigned int profile, nvml_profile_info_v2* info) {
  if (!d || d->mig >= 0 || !info) return INVALID_ARGUMENT;
  if (info->version != ((unsigned int)sizeof(nvml_profile_info_v2) | (2u << 24))) return VERSION_MISMATCH;
  if (profile >= (unsigned int)n_profiles) return NOT_SUPPORTED;
  info->id = profile_id((int)profile);
  info->slice_count = (unsigned int)atoi(profiles[profile]);  /* "3g.40gb" -> 3 */
  copy_text(info->name, profiles[profile]);
  return OK;
}
