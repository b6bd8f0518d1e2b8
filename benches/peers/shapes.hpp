// The benchmark shapes of benches/support/bare.rs, for the C++ peers: each task's inputs,
// in a topological order. gather = N tasks + 1, chain = N, tree = binary reduction of N
// leaves (2N - 1), mapreduce = N maps, N/64 partial sums, 1 total.
#pragma once
#include <chrono>
#include <functional>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

using Deps = std::vector<std::vector<uint32_t>>;

inline bool shape_deps(const std::string& shape, size_t n, Deps& deps) {
    deps.clear();
    if (shape == "gather") {
        deps.resize(n);
        std::vector<uint32_t> all(n);
        for (size_t i = 0; i < n; ++i) all[i] = uint32_t(i);
        deps.push_back(all);
    } else if (shape == "chain") {
        deps.push_back({});
        for (size_t i = 1; i < n; ++i) deps.push_back({uint32_t(i - 1)});
    } else if (shape == "tree") {
        deps.resize(n);
        std::vector<uint32_t> level(n);
        for (size_t i = 0; i < n; ++i) level[i] = uint32_t(i);
        while (level.size() > 1) {
            std::vector<uint32_t> next;
            for (size_t i = 0; i < level.size(); i += 2) {
                if (i + 1 < level.size()) {
                    deps.push_back({level[i], level[i + 1]});
                    next.push_back(uint32_t(deps.size() - 1));
                } else {
                    next.push_back(level[i]);
                }
            }
            level = next;
        }
    } else if (shape == "mapreduce") {
        deps.resize(n);
        std::vector<uint32_t> partials;
        for (size_t start = 0; start < n; start += 64) {
            std::vector<uint32_t> chunk;
            for (size_t i = start; i < n && i < start + 64; ++i) chunk.push_back(uint32_t(i));
            deps.push_back(chunk);
            partials.push_back(uint32_t(deps.size() - 1));
        }
        deps.push_back(partials);
    } else {
        return false;
    }
    return true;
}

inline double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

inline void emit(const std::string& shape, size_t n, size_t tasks, const std::string& system,
                 const std::vector<double>& secs) {
    std::printf("{\"shape\":\"%s\",\"n\":%zu,\"tasks\":%zu,\"system\":\"%s\",\"secs\":[", shape.c_str(),
                n, tasks, system.c_str());
    for (size_t i = 0; i < secs.size(); ++i) std::printf("%s%.9f", i ? "," : "", secs[i]);
    std::printf("]}\n");
    std::fflush(stdout);
}

// Splits "a,b,c" into parts.
inline std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        size_t end = s.find(',', start);
        if (end == std::string::npos) end = s.size();
        if (end > start) out.push_back(s.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// The task body of every system: the sum of the inputs' values, plus one.
inline uint64_t task_value(const std::vector<uint64_t>& values, const std::vector<uint32_t>& deps) {
    uint64_t v = 1;
    for (uint32_t d : deps) v += values[d];
    return v;
}

// The common driver of a peer: `PEER SHAPES SIZES REPS WORKERS`. For each shape and size,
// `build_and_run(deps, values, build_secs, run_secs)` builds a fresh graph and runs it once,
// appending its two times; REPS times, then prints `<name>_build` and `<name>_run`.
using BuildAndRun = std::function<void(const Deps&, std::vector<uint64_t>&, std::vector<double>&,
                                       std::vector<double>&)>;

inline int run_peer(int argc, char** argv, const std::string& name, const BuildAndRun& build_and_run) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: %s SHAPES SIZES REPS WORKERS\n", name.c_str());
        return 2;
    }
    const int reps = std::stoi(argv[3]);
    for (const auto& shape : split(argv[1])) {
        for (const auto& size : split(argv[2])) {
            size_t n = std::stoul(size);
            Deps deps;
            if (!shape_deps(shape, n, deps)) {
                std::fprintf(stderr, "unknown shape %s\n", shape.c_str());
                return 2;
            }
            std::vector<double> build, run;
            std::vector<uint64_t> values(deps.size());
            for (int r = 0; r < reps; ++r) build_and_run(deps, values, build, run);
            emit(shape, n, deps.size(), name + "_build", build);
            emit(shape, n, deps.size(), name + "_run", run);
        }
    }
    return 0;
}
