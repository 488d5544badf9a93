/// The lossd service: routes, codecs and error mapping on top of LossKernels and HTTPServer.
public enum LossService {}
