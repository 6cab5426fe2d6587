#pragma once
// Builds small ONNX models with the protobuf API, so the importer's tests need no Python and no
// files from elsewhere: each test states the exact bytes it feeds the importer.
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

namespace loupe::testing {

using TP = onnx::TensorProto;

// A symbolic dimension in input(): written as dim_param "N".
inline constexpr int64_t kSym = -1;

inline void set_dims(TP* t, const std::vector<int64_t>& dims) {
  for (int64_t d : dims) t->add_dims(d);
}

// f32 tensor written as raw_data (little-endian bytes) or float_data.
inline TP f32_tensor(const std::string& name, const std::vector<int64_t>& dims,
                     const std::vector<float>& values, bool raw = true) {
  TP t;
  t.set_name(name);
  t.set_data_type(TP::FLOAT);
  set_dims(&t, dims);
  if (raw) {
    std::string bytes(values.size() * sizeof(float), '\0');
    if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    t.set_raw_data(bytes);
  } else {
    for (float v : values) t.add_float_data(v);
  }
  return t;
}

inline TP i64_tensor(const std::string& name, const std::vector<int64_t>& dims,
                     const std::vector<int64_t>& values) {
  TP t;
  t.set_name(name);
  t.set_data_type(TP::INT64);
  set_dims(&t, dims);
  for (int64_t v : values) t.add_int64_data(v);
  return t;
}

class ModelBuilder {
 public:
  explicit ModelBuilder(int64_t opset = 13) {
    m_.set_ir_version(7);
    m_.set_producer_name("loupe-test");
    auto* imp = m_.add_opset_import();
    imp->set_domain("");
    imp->set_version(opset);
    m_.mutable_graph()->set_name("test");
  }

  // dims: kSym for dim_param "N"; elem_type an ONNX TensorProto.DataType.
  onnx::ValueInfoProto* input(const std::string& name, const std::vector<int64_t>& dims,
                              int elem_type = TP::FLOAT) {
    auto* v = m_.mutable_graph()->add_input();
    v->set_name(name);
    auto* tt = v->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(elem_type);
    auto* shape = tt->mutable_shape();
    for (int64_t d : dims) {
      auto* dim = shape->add_dim();
      if (d == kSym) {
        dim->set_dim_param("N");
      } else {
        dim->set_dim_value(d);
      }
    }
    return v;
  }

  void output(const std::string& name) {
    auto* v = m_.mutable_graph()->add_output();
    v->set_name(name);
    v->mutable_type()->mutable_tensor_type()->set_elem_type(TP::FLOAT);
  }

  onnx::NodeProto* node(const std::string& op, const std::string& name,
                        std::initializer_list<std::string> inputs,
                        std::initializer_list<std::string> outputs) {
    auto* n = m_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& s : inputs) n->add_input(s);
    for (const auto& s : outputs) n->add_output(s);
    return n;
  }

  TP* initializer(const TP& t) {
    auto* p = m_.mutable_graph()->add_initializer();
    *p = t;
    return p;
  }

  onnx::ModelProto& model() { return m_; }
  std::string bytes() const { return m_.SerializeAsString(); }

  void save(const std::filesystem::path& path) const {
    std::ofstream f(path, std::ios::binary);
    f << bytes();
  }

 private:
  onnx::ModelProto m_;
};

inline onnx::AttributeProto* attr(onnx::NodeProto* n, const std::string& name) {
  auto* a = n->add_attribute();
  a->set_name(name);
  return a;
}
inline void attr_i(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = attr(n, name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void attr_f(onnx::NodeProto* n, const std::string& name, float v) {
  auto* a = attr(n, name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
inline void attr_s(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = attr(n, name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}
inline void attr_ints(onnx::NodeProto* n, const std::string& name, std::vector<int64_t> v) {
  auto* a = attr(n, name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
inline void attr_floats(onnx::NodeProto* n, const std::string& name, std::vector<float> v) {
  auto* a = attr(n, name);
  a->set_type(onnx::AttributeProto::FLOATS);
  for (float x : v) a->add_floats(x);
}
inline void attr_t(onnx::NodeProto* n, const std::string& name, const TP& t) {
  auto* a = attr(n, name);
  a->set_type(onnx::AttributeProto::TENSOR);
  *a->mutable_t() = t;
}

}  // namespace loupe::testing
