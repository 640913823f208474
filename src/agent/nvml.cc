// The NVML types and entry points used here, declared from NVIDIA's nvml.h documentation (no
// header is needed to build): opaque handles, plain C structs, int return codes (0 = success).
#include "agent/nvml.h"

#include <dlfcn.h>

#include <cstddef>
#include <cstring>
#include <memory>

namespace hexa {

namespace {

using NvmlReturn = int;
constexpr NvmlReturn kSuccess = 0;
constexpr NvmlReturn kNoPermission = 4;  // NVML_ERROR_NO_PERMISSION
constexpr NvmlReturn kNotFound = 6;      // NVML_ERROR_NOT_FOUND: an empty MIG index
constexpr unsigned kMigEnable = 1;   // NVML_DEVICE_MIG_ENABLE
constexpr unsigned kBufferSize = 96;  // NVML_DEVICE_NAME_V2_BUFFER_SIZE, NVML_DEVICE_UUID_V2_BUFFER_SIZE
constexpr unsigned kProfileIndexes = 32;  // NVML_GPU_INSTANCE_PROFILE_* are 0..9 (more in newer drivers)

extern "C" {
struct NvmlDeviceSt;
struct NvmlGpuInstanceSt;
using NvmlDevice = NvmlDeviceSt*;
using NvmlGpuInstance = NvmlGpuInstanceSt*;
struct NvmlMemory {  // nvmlMemory_t, bytes
  unsigned long long total, free, used;
};
struct NvmlPlacement {  // nvmlGpuInstancePlacement_t, memory slices
  unsigned int start, size;
};
struct NvmlGpuInstanceInfo {  // nvmlGpuInstanceInfo_t
  NvmlDevice device;
  unsigned int id, profile_id;
  NvmlPlacement placement;
};
struct NvmlProfileInfoV2 {  // nvmlGpuInstanceProfileInfo_v2_t
  unsigned int version, id, p2p, slice_count, instance_count, multiprocessors, copy_engines, decoders, encoders,
      jpegs, ofas;
  unsigned long long memory_mb;
  char name[kBufferSize];
};
}
// The layouts of nvml.h on LP64 (the only ABI NVML ships for Linux).
static_assert(sizeof(NvmlProfileInfoV2) == 152 && offsetof(NvmlProfileInfoV2, name) == 56);
static_assert(sizeof(NvmlGpuInstanceInfo) == 24 && offsetof(NvmlGpuInstanceInfo, placement) == 16);
// NVML_STRUCT_VERSION(GpuInstanceProfileInfo, 2): the struct's size, the version in the top byte.
constexpr unsigned kProfileInfoV2 = static_cast<unsigned>(sizeof(NvmlProfileInfoV2)) | (2u << 24);

// The library and its entry points; shut down and unloaded when it goes.
class Nvml {
 public:
  static Result<std::unique_ptr<Nvml>> open(const std::string& library);
  ~Nvml();
  Result<DiscoveredGpus> read();

 private:
  template <class F>
  bool bind(F*& fn, const char* name) {
    fn = reinterpret_cast<F*>(::dlsym(lib_, name));
    if (fn == nullptr && missing_.empty()) missing_ = name;
    return fn != nullptr;
  }
  // "nvmlX failed: <NVML's words>", for messages.
  std::string failed(const char* call, NvmlReturn r) const;
  Status read_gpu(unsigned index, DiscoveredGpus& out);
  Status read_mig(NvmlDevice dev, int gpu, DiscoveredGpus& out);
  Result<MigDevice> read_mig_device(NvmlDevice dev, NvmlDevice mig);
  std::string profile_name(NvmlDevice dev, unsigned profile_id);

  void* lib_ = nullptr;
  bool initialized_ = false;
  std::string name_, missing_;
  NvmlReturn (*init_)() = nullptr;
  NvmlReturn (*shutdown_)() = nullptr;
  const char* (*error_string_)(NvmlReturn) = nullptr;
  NvmlReturn (*count_)(unsigned*) = nullptr;
  NvmlReturn (*handle_)(unsigned, NvmlDevice*) = nullptr;
  NvmlReturn (*name_of_)(NvmlDevice, char*, unsigned) = nullptr;
  NvmlReturn (*uuid_)(NvmlDevice, char*, unsigned) = nullptr;
  NvmlReturn (*memory_)(NvmlDevice, NvmlMemory*) = nullptr;
  // MIG: optional (a driver without MIG lacks them; its GPUs have MIG off).
  NvmlReturn (*mig_mode_)(NvmlDevice, unsigned*, unsigned*) = nullptr;
  NvmlReturn (*max_mig_)(NvmlDevice, unsigned*) = nullptr;
  NvmlReturn (*mig_handle_)(NvmlDevice, unsigned, NvmlDevice*) = nullptr;
  NvmlReturn (*gi_id_)(NvmlDevice, unsigned*) = nullptr;
  NvmlReturn (*gi_by_id_)(NvmlDevice, unsigned, NvmlGpuInstance*) = nullptr;
  NvmlReturn (*gi_info_)(NvmlGpuInstance, NvmlGpuInstanceInfo*) = nullptr;
  NvmlReturn (*profile_info_)(NvmlDevice, unsigned, NvmlProfileInfoV2*) = nullptr;
};

Result<std::unique_ptr<Nvml>> Nvml::open(const std::string& library) {
  std::unique_ptr<Nvml> n(new Nvml());
  n->name_ = library;
  n->lib_ = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (n->lib_ == nullptr) {
    const char* why = ::dlerror();
    return Status::Invalid("NVML: cannot load " + library + ": " + (why ? why : "unknown error"));
  }
  bool core = true;  // every one bound (none skipped), so that the message names what is missing
  for (bool bound : {n->bind(n->init_, "nvmlInit_v2"), n->bind(n->shutdown_, "nvmlShutdown"),
                     n->bind(n->error_string_, "nvmlErrorString"), n->bind(n->count_, "nvmlDeviceGetCount_v2"),
                     n->bind(n->handle_, "nvmlDeviceGetHandleByIndex_v2"), n->bind(n->name_of_, "nvmlDeviceGetName"),
                     n->bind(n->uuid_, "nvmlDeviceGetUUID"), n->bind(n->memory_, "nvmlDeviceGetMemoryInfo")})
    core = core && bound;
  if (!core) return Status::Invalid("NVML: " + library + " lacks " + n->missing_ + " (too old a driver?)");
  n->bind(n->mig_mode_, "nvmlDeviceGetMigMode");
  n->bind(n->max_mig_, "nvmlDeviceGetMaxMigDeviceCount");
  n->bind(n->mig_handle_, "nvmlDeviceGetMigDeviceHandleByIndex");
  n->bind(n->gi_id_, "nvmlDeviceGetGpuInstanceId");
  n->bind(n->gi_by_id_, "nvmlDeviceGetGpuInstanceById");
  n->bind(n->gi_info_, "nvmlGpuInstanceGetInfo");
  n->bind(n->profile_info_, "nvmlDeviceGetGpuInstanceProfileInfoV");
  if (NvmlReturn r = n->init_(); r != kSuccess) return Status::Invalid("NVML: " + n->failed("nvmlInit_v2", r));
  n->initialized_ = true;
  return n;
}

Nvml::~Nvml() {
  if (initialized_) (void)shutdown_();
  if (lib_ != nullptr) ::dlclose(lib_);
}

std::string Nvml::failed(const char* call, NvmlReturn r) const {
  const char* text = error_string_ ? error_string_(r) : nullptr;
  std::string out = std::string(call) + " failed: " + (text ? text : "error " + std::to_string(r));
  return r == kNoPermission ? out + " (run the agent as root)" : out;
}

Result<DiscoveredGpus> Nvml::read() {
  unsigned count = 0;
  if (NvmlReturn r = count_(&count); r != kSuccess) return Status::Invalid("NVML: " + failed("nvmlDeviceGetCount_v2", r));
  if (count == 0) return Status::Invalid("NVML: no GPUs");
  DiscoveredGpus out;
  for (unsigned i = 0; i < count; ++i)
    if (Status st = read_gpu(i, out); !st.ok()) return st;
  return out;
}

// A C string NVML wrote into a buffer of kBufferSize, cut at its NUL (or the buffer's end).
std::string text_of(const char* buf) { return std::string(buf, ::strnlen(buf, kBufferSize)); }

Status Nvml::read_gpu(unsigned index, DiscoveredGpus& out) {
  const std::string at = "NVML: GPU " + std::to_string(index) + ": ";  // errors end discovery
  NvmlDevice dev = nullptr;
  char name[kBufferSize] = {}, uuid[kBufferSize] = {};
  NvmlMemory mem{};
  if (NvmlReturn r = handle_(index, &dev); r != kSuccess) return Status::Invalid(at + failed("nvmlDeviceGetHandleByIndex_v2", r));
  if (NvmlReturn r = name_of_(dev, name, kBufferSize); r != kSuccess) return Status::Invalid(at + failed("nvmlDeviceGetName", r));
  if (NvmlReturn r = uuid_(dev, uuid, kBufferSize); r != kSuccess) return Status::Invalid(at + failed("nvmlDeviceGetUUID", r));
  if (NvmlReturn r = memory_(dev, &mem); r != kSuccess) return Status::Invalid(at + failed("nvmlDeviceGetMemoryInfo", r));
  DiscoveredGpu g;
  g.index = static_cast<int>(index);
  g.name = text_of(name);
  g.uuid = text_of(uuid);
  g.memory_mib = static_cast<std::int64_t>(mem.total >> 20);
  unsigned current = 0, pending = 0;
  // A GPU without MIG answers "not supported": MIG off.
  g.mig_enabled = mig_mode_ && mig_mode_(dev, &current, &pending) == kSuccess && current == kMigEnable;
  out.gpus.push_back(g);
  return g.mig_enabled ? read_mig(dev, g.index, out) : Status::Ok();
}

// The GPU's MIG devices. One that cannot be read (no root: NVML's GPU instance queries need
// it) leaves the GPU's MIG devices out, with a note: slice jobs there get the GPU's index.
Status Nvml::read_mig(NvmlDevice dev, int gpu, DiscoveredGpus& out) {
  const std::string at = "GPU " + std::to_string(gpu) + ": ";
  if (!max_mig_ || !mig_handle_ || !gi_id_ || !gi_by_id_ || !gi_info_ || !profile_info_) {
    out.notes.push_back(at + "MIG is on but " + name_ + " lacks the MIG queries: its MIG devices are left out");
    return Status::Ok();
  }
  unsigned max = 0;
  if (NvmlReturn r = max_mig_(dev, &max); r != kSuccess)
    return Status::Invalid("NVML: " + at + failed("nvmlDeviceGetMaxMigDeviceCount", r));
  std::vector<MigDevice> found;
  for (unsigned i = 0; i < max; ++i) {
    NvmlDevice mig = nullptr;
    NvmlReturn r = mig_handle_(dev, i, &mig);
    if (r == kNotFound) continue;  // no MIG device at this index
    if (r != kSuccess) return Status::Invalid("NVML: " + at + failed("nvmlDeviceGetMigDeviceHandleByIndex", r));
    Result<MigDevice> m = read_mig_device(dev, mig);
    if (!m.ok()) {
      out.notes.push_back(at + "its MIG devices are left out: " + m.status().message());
      return Status::Ok();
    }
    m->gpu = gpu;
    found.push_back(*m);
  }
  out.mig.insert(out.mig.end(), found.begin(), found.end());
  return Status::Ok();
}

Result<MigDevice> Nvml::read_mig_device(NvmlDevice dev, NvmlDevice mig) {
  MigDevice m;
  char uuid[kBufferSize] = {};
  NvmlMemory mem{};
  unsigned gi_id = 0;
  NvmlGpuInstance gi = nullptr;
  NvmlGpuInstanceInfo info{};
  if (NvmlReturn r = uuid_(mig, uuid, kBufferSize); r != kSuccess) return Status::Invalid(failed("nvmlDeviceGetUUID", r));
  if (NvmlReturn r = memory_(mig, &mem); r != kSuccess) return Status::Invalid(failed("nvmlDeviceGetMemoryInfo", r));
  if (NvmlReturn r = gi_id_(mig, &gi_id); r != kSuccess) return Status::Invalid(failed("nvmlDeviceGetGpuInstanceId", r));
  if (NvmlReturn r = gi_by_id_(dev, gi_id, &gi); r != kSuccess) return Status::Invalid(failed("nvmlDeviceGetGpuInstanceById", r));
  if (NvmlReturn r = gi_info_(gi, &info); r != kSuccess) return Status::Invalid(failed("nvmlGpuInstanceGetInfo", r));
  m.uuid = text_of(uuid);
  m.memory_mib = static_cast<std::int64_t>(mem.total >> 20);
  m.start = static_cast<int>(info.placement.start);
  m.size = static_cast<int>(info.placement.size);
  m.profile = profile_name(dev, info.profile_id);
  if (m.profile.empty()) return Status::Invalid("no GPU instance profile has id " + std::to_string(info.profile_id));
  return m;
}

// A GPU instance names its profile by id; the name ("1g.10gb") is in the profile's info, which
// NVML lists by profile index (NVML_GPU_INSTANCE_PROFILE_*): the one whose id matches.
std::string Nvml::profile_name(NvmlDevice dev, unsigned profile_id) {
  for (unsigned p = 0; p < kProfileIndexes; ++p) {
    NvmlProfileInfoV2 info{};
    info.version = kProfileInfoV2;
    if (profile_info_(dev, p, &info) == kSuccess && info.id == profile_id) return text_of(info.name);
  }
  return "";
}

}  // namespace

Result<DiscoveredGpus> discover_gpus(const std::string& library) {
  Result<std::unique_ptr<Nvml>> nvml = Nvml::open(library);
  if (!nvml.ok()) return nvml.status();
  return (*nvml)->read();
}

}  // namespace hexa
