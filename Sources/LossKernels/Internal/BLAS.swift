#if canImport(Accelerate)
import Accelerate
#else
import CBLAS
#endif
import Glibc

/// The element types the linear head multiplies with BLAS: `sgemm` for Float, `dgemm` for Double.
protocol BLASScalar: BinaryFloatingPoint {
    /// Row-major `C = alpha * op(A) * op(B) + beta * C` with `op(A)` m x k, `op(B)` k x n.
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int, beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: BLASScalar {
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    BLAS.int(m), BLAS.int(n), BLAS.int(k), alpha, a, BLAS.int(lda), b, BLAS.int(ldb), beta, c,
                    BLAS.int(ldc))
    }
}

extension Double: BLASScalar {
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    BLAS.int(m), BLAS.int(n), BLAS.int(k), alpha, a, BLAS.int(lda), b, BLAS.int(ldb), beta, c,
                    BLAS.int(ldc))
    }
}

/// OpenBLAS's thread pool, shared by the whole process.
///
/// lossd sizes it per job: a linear-head job runs its products on `job.maxThreads` BLAS threads
/// (2 when it is the only request in progress, 1 otherwise; `JobRunner.threadsPerJob`) and its
/// elementwise passes on the calling thread, between the products, so BLAS and lossd never run
/// more threads than the job was given. The pool size is a process-wide setting, so linear-head
/// jobs take turns (`exclusive`): two at once would resize each other's pool and oversubscribe
/// the cores. On Apple platforms Accelerate manages its own threads.
enum BLAS {
    nonisolated(unsafe) private static let mutex: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(m, nil)
        return m
    }()
    /// The pool size last set (0: never set), read and written under `mutex`.
    nonisolated(unsafe) private static var threads = 0

    /// Runs `body` with the BLAS pool set to `threads` threads, one such body at a time.
    static func exclusive<R>(threads wanted: Int, _ body: () -> R) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        #if !canImport(Accelerate)
        if threads != wanted {
            openblas_set_num_threads(Int32(max(1, wanted)))
            threads = wanted
        }
        #endif
        return body()
    }

    /// A BLAS dimension (the shapes were bounded when the job was validated).
    @inline(__always) fileprivate static func int(_ n: Int) -> Int32 { Int32(truncatingIfNeeded: n) }
}
